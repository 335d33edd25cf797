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

  it('closes the read pool with the application', async () => {
    await ledger.closeApp();
    expect(await readConnections()).toBe('0');
  });
});
