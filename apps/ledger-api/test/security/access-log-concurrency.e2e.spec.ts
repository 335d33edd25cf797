import { startLedger, type TestLedger } from '../../../../test/support/ledger';

/** Concurrent reads are logged together (group commit) and still leave one chained entry each. */
describe('access log under concurrent checks', () => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startLedger({ backend: 'postgres' });
  });
  afterAll(() => ledger.close());

  it('60 concurrent checks of two tenants leave 60 entries and both chains verify', async () => {
    const tokens = { acme: await ledger.token('acme'), globex: await ledger.token('globex') };
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => ledger.request('POST', '/v1/eligibility/check', {
      token: i % 3 ? tokens.acme : tokens.globex, body: { subjectId: `p-${i}`, channel: 'sms', purpose: 'treatment' },
    })));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    for (const [tenant, expected] of [['acme', 40], ['globex', 20]] as const) {
      const log = await ledger.request('GET', '/v1/audit/access?limit=1000', { token: tokens[tenant] });
      const checks = log.body.entries.filter((e: { action: string }) => e.action === 'eligibility-check');
      expect(checks).toHaveLength(expected);
      expect(new Set(checks.map((e: { subjectId: string }) => e.subjectId)).size).toBe(expected);
      const verified = await ledger.request('GET', '/v1/audit/access/verify', { token: tokens[tenant] });
      expect(verified.body).toEqual(expect.objectContaining({ ok: true }));
    }
  });
});
