import { Client } from 'pg';
import type { Database } from '@app/platform/database';
import { DATABASE, ELIGIBILITY_DATABASE } from '../../src/ledger/tokens';
import { startLedger, type TestLedger } from '../../../../test/support/ledger';
import { grantBody } from '../fixtures';

/**
 * On PostgreSQL the eligibility lookups run on their own pool, planned once (generic plans), while every other
 * statement keeps the server's default on the main pool; the pool closes with the application.
 */
describe('eligibility read pool (real PostgreSQL)', () => {
  let ledger: TestLedger;
  let admin: Client;

  const readConnections = async () => (await admin.query<{ n: string }>(
    "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'consent-ledger-reads'",
  )).rows[0].n;

  beforeAll(async () => {
    ledger = await startLedger({ backend: 'postgres' });
    admin = new Client({ connectionString: ledger.databaseUrl });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await ledger?.close();
  });

  it('answers checks from a generic-plan pool and keeps the default plan mode elsewhere', async () => {
    const reads = ledger.app.get<Database>(ELIGIBILITY_DATABASE);
    const main = ledger.app.get<Database>(DATABASE);
    expect(reads).not.toBe(main);
    expect(await reads.query('SHOW plan_cache_mode')).toEqual([{ plan_cache_mode: 'force_generic_plan' }]);
    expect(await main.query('SHOW plan_cache_mode')).toEqual([{ plan_cache_mode: 'auto' }]);

    const token = await ledger.token('t-pool');
    const granted = await ledger.request('POST', '/v1/subjects/p-1/authorizations', { token, body: grantBody() });
    expect(granted.status).toBe(201);
    const check = await ledger.request('POST', '/v1/eligibility/check', {
      token, body: { subjectId: 'p-1', channel: 'email', purpose: 'marketing', minPosition: granted.body.position },
    });
    expect(check.status).toBe(200);
    expect(check.body.decision).toBe('ALLOW');
    expect(Number(await readConnections())).toBeGreaterThan(0);
  });

  it('answers more concurrent scrubs than the pool has connections, and checks meanwhile, every line in order', async () => {
    const token = await ledger.token('t-many');
    const granted = await ledger.request('POST', '/v1/subjects/m-1/authorizations', { token, body: grantBody() });
    const minPosition = granted.body.position as string;
    // 4,000 lines: four batches of a scrub each, alternating a subject with an authorization and one without.
    const subjects = Array.from({ length: 4_000 }, (_, i) => (i % 2 === 0 ? 'm-1' : `m-${i}`));
    const list = ['subjectId', ...subjects].join('\n');
    const scrub = () => ledger.app.inject({
      method: 'POST', url: `/v1/eligibility/scrub?channel=email&purpose=marketing&minPosition=${minPosition}`, payload: list,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    });
    const check = (subjectId: string) => ledger.request('POST', '/v1/eligibility/check', {
      token, body: { subjectId, channel: 'email', purpose: 'marketing', minPosition },
    });
    // Eight scrubs on a pool of four connections, with 40 checks sharing it.
    const [scrubs, checks] = await Promise.all([
      Promise.all(Array.from({ length: 8 }, scrub)),
      Promise.all(Array.from({ length: 40 }, (_, i) => check(i % 2 === 0 ? 'm-1' : 'm-2'))),
    ]);

    const expected = ['subjectId,decision,reasons', ...subjects.map((id) => (id === 'm-1' ? 'm-1,ALLOW,AUTHORIZED' : `${id},DENY,NO_AUTHORIZATION|UNKNOWN_SUBJECT`))];
    for (const response of scrubs) {
      expect(response.statusCode).toBe(200);
      expect(response.body.trim().split('\n')).toEqual(expected);
    }
    expect(checks.map((c) => [c.status, c.body.decision])).toEqual(checks.map((_, i) => [200, i % 2 === 0 ? 'ALLOW' : 'DENY']));
    expect(Number(await readConnections())).toBeLessThanOrEqual(4);
  });

  it('closes the read pool with the application', async () => {
    await ledger.closeApp();
    // pg's pool resolves end() once it has sent each connection's Terminate; the server lets the backends go just after.
    const deadline = Date.now() + 5_000;
    while ((await readConnections()) !== '0' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await readConnections()).toBe('0');
  });
});
