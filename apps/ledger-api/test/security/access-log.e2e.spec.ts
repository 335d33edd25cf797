import type { Database } from '@app/platform/database';
import { startLedger, type TestLedger } from '../../../../test/support/ledger';
import { AccessLog, RetentionError } from '../../src/audit/access-log/access-log';
import { DATABASE } from '../../src/ledger/tokens';
import { grantBody } from '../fixtures';

/** Issue 7: every read or check of a subject's consent leaves exactly one chained, append-only access-log entry. */
describe('access log', () => {
  let ledger: TestLedger;
  let token: string;
  let auditor: string;
  let db: Database;
  let head: string;

  const entries = async (query = '') => (await ledger.request('GET', `/v1/audit/access${query}`, { token: auditor })).body.entries as any[];

  beforeAll(async () => {
    ledger = await startLedger({ backend: 'postgres' });
    db = ledger.app.get<Database>(DATABASE);
    token = await ledger.token('acme', ['consent:write', 'consent:read', 'eligibility:check']);
    auditor = await ledger.token('acme', ['audit:read']);
    expect((await ledger.request('POST', '/v1/subjects/p-1001/authorizations', { token, body: grantBody() })).status).toBe(201);
    const linked = await ledger.request('POST', '/v1/subjects/p-1001/contacts', { token, body: { type: 'email', value: 'jane@example.com' } });
    expect(linked.status).toBe(200);
    head = linked.body.position;
  });
  afterAll(() => ledger.close());

  it('every route that reads a subject leaves exactly one entry, naming who, which subject, the route and H12', async () => {
    const reads: [string, string, unknown, string][] = [
      ['GET', '/v1/subjects/p-1001', undefined, '/v1/subjects/:subjectId'],
      ['GET', '/v1/subjects/p-1001/history', undefined, '/v1/subjects/:subjectId/history'],
      ['POST', '/v1/eligibility/check', { subjectId: 'p-1001', channel: 'email', purpose: 'marketing', minPosition: head }, '/v1/eligibility/check'],
    ];
    for (const [method, url, body, route] of reads) {
      const before = (await entries('?subjectId=p-1001')).length;
      const response = await ledger.request(method, url, { token, body });
      expect(response.status).toBe(200);
      const after = await entries('?subjectId=p-1001');
      expect(after).toHaveLength(before + 1);
      expect(after[after.length - 1]).toEqual(expect.objectContaining({
        tenantId: 'acme', actor: 'test', subjectId: 'p-1001', route, method, status: 200, at: '2026-11-23T14:00:00.000Z',
      }));
    }
    const check = (await entries('?subjectId=p-1001')).find((e) => e.action === 'eligibility-check');
    expect(check.underAuthorization).toBe(true);
  });

  it('a check by contact records the contact key, never the address', async () => {
    await ledger.request('POST', '/v1/eligibility/check', { token, body: { contact: { type: 'email', value: ' Jane@Example.com ' }, channel: 'email', purpose: 'treatment' } });
    const [last] = (await entries()).slice(-1);
    expect(last.contactKey).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(last)).not.toContain('jane');
  });

  it('a refused read (another tenant, missing scope) discloses nothing and leaves no entry', async () => {
    const count = (await entries()).length;
    expect((await ledger.request('GET', '/v1/subjects/p-1001', { token: await ledger.token('globex') })).status).toBe(404);
    expect((await ledger.request('GET', '/v1/subjects/p-1001', { token: auditor })).status).toBe(403);
    expect(await entries()).toHaveLength(count);
    expect(await (await ledger.request('GET', '/v1/audit/access', { token: await ledger.token('globex', ['audit:read']) })).body.entries).toEqual([]);
  });

  it('discloses nothing when its entry cannot be written: the answer is a 500 problem, not the decision', async () => {
    await db.query('ALTER TABLE access_log RENAME TO access_log_away');
    try {
      const refused = await ledger.request('POST', '/v1/eligibility/check', { token, body: { subjectId: 'p-1001', channel: 'email', purpose: 'marketing' } });
      expect(refused.status).toBe(500);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body).toEqual(expect.objectContaining({ status: 500, type: expect.stringMatching(/\/internal-error$/) }));
      expect(refused.text).not.toMatch(/ALLOW|DENY|p-1001/);
    } finally {
      await db.query('ALTER TABLE access_log_away RENAME TO access_log');
    }
    const answered = await ledger.request('POST', '/v1/eligibility/check', { token, body: { subjectId: 'p-1001', channel: 'email', purpose: 'marketing' } });
    expect(answered.status).toBe(200);
    expect((await ledger.request('GET', '/v1/audit/access/verify', { token: auditor })).body).toEqual(expect.objectContaining({ ok: true }));
  });

  it('needs audit:read to be queried', async () => {
    expect((await ledger.request('GET', '/v1/audit/access?subjectId=p-1001', { token })).status).toBe(403);
  });

  it('refuses UPDATE and DELETE; tampering with one entry behind the trigger breaks the chain check', async () => {
    expect((await ledger.request('GET', '/v1/audit/access/verify', { token: auditor })).body).toEqual(expect.objectContaining({ ok: true }));
    await expect(db.query(`UPDATE access_log SET actor = 'someone-else' WHERE tenant_id = 'acme' AND seq = 2`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM access_log WHERE tenant_id = 'acme'`)).rejects.toThrow(/append-only/);
    await db.query('ALTER TABLE access_log DISABLE TRIGGER access_log_append_only');
    await db.query(`UPDATE access_log SET actor = 'someone-else' WHERE tenant_id = 'acme' AND seq = 2`);
    await db.query('ALTER TABLE access_log ENABLE TRIGGER access_log_append_only');
    const verified = await ledger.request('GET', '/v1/audit/access/verify', { token: auditor });
    expect(verified.body).toEqual({ ok: false, tenantId: 'acme', seq: '2', reason: expect.stringMatching(/altered/) });
  });

  it('keeps entries for the retention period (six years by default) and purges only older ones', async () => {
    const log = ledger.app.get(AccessLog);
    expect(log.retentionDays).toBeGreaterThanOrEqual(6 * 365);
    await expect(log.purge('globex', new Date('2026-01-01T00:00:00Z'))).rejects.toBeInstanceOf(RetentionError);
    await log.record({ tenantId: 'globex', action: 'subject-read', method: 'GET', route: '/v1/subjects/:subjectId', actor: 'a', subjectId: 'x', status: 200 });
    ledger.clock.advance(7 * 366 * 86_400_000);
    await log.record({ tenantId: 'globex', action: 'subject-read', method: 'GET', route: '/v1/subjects/:subjectId', actor: 'a', subjectId: 'y', status: 200 });
    const purged = await log.purge('globex', new Date(ledger.clock.now().getTime() - 6 * 366 * 86_400_000));
    expect(purged).toEqual({ purged: 1, anchorSeq: '1' });
    expect((await log.query('globex')).map((e) => e.subjectId)).toEqual(['y']);
    expect(await log.verify('globex')).toEqual({ ok: true, tenantId: 'globex', entries: 1, anchorSeq: '1' });
  });
});
