import type { LedgerConfig } from '@app/platform';
import { migrate, PgDatabase } from '@app/platform/database';
import { AccessLog, type AccessEntryInput } from '../../src/audit/access-log/access-log';
import { ACCESS_LOG_MIGRATION } from '../../src/audit/access-log/access-log.migration';
import { systemClock } from '../../src/ledger/tokens';
import { createTestPgDatabaseUrl, type TestPgDatabaseUrl } from '../../../../test/support/database';

/**
 * Several ledger processes append to the same tenants' chains (each AccessLog here stands for one process, with its
 * own pool and its own idea of the chain heads): every entry lands once, in one unbroken chain per tenant.
 */
describe('access log chains written by several processes (real PostgreSQL)', () => {
  let database: TestPgDatabaseUrl;
  const pools: PgDatabase[] = [];
  const config = { accessLogRetentionDays: 2196 } as LedgerConfig;

  const entry = (tenantId: string, subjectId: string): AccessEntryInput => ({
    tenantId, action: 'eligibility-check', method: 'POST', route: '/v1/eligibility/check', actor: 'test', subjectId, status: 200,
  });

  async function process(): Promise<AccessLog> {
    const db = new PgDatabase(database.url, { max: 3 });
    pools.push(db);
    const log = new AccessLog(db, systemClock, config);
    await log.onModuleInit();
    return log;
  }

  beforeAll(async () => {
    database = await createTestPgDatabaseUrl();
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await database.drop();
  });

  it('interleaved appends from three processes to two tenants leave each tenant one contiguous, verified chain', async () => {
    const logs = [await process(), await process(), await process()];
    const written = await Promise.all(Array.from({ length: 300 }, (_, i) =>
      logs[i % 3].record(entry(i % 2 ? 'acme' : 'globex', `p-${i}`))));
    for (const tenant of ['acme', 'globex']) {
      const mine = written.filter((e) => e.tenantId === tenant);
      expect(mine).toHaveLength(150);
      expect(mine.map((e) => Number(e.seq)).sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
      expect(await logs[0].verify(tenant)).toEqual({ ok: true, tenantId: tenant, entries: 150, anchorSeq: '0' });
      const stored = await logs[1].query(tenant, { limit: 1000 });
      expect(stored.map((e) => e.id).sort()).toEqual(mine.map((e) => e.id).sort());
    }
  });

  it('a process whose idea of the head is stale re-reads it and chains after what the others wrote', async () => {
    const [a, b] = [await process(), await process()];
    const first = await a.record(entry('initech', 's-1'));
    await b.record(entry('initech', 's-2'));
    await b.record(entry('initech', 's-3'));
    const after = await a.record(entry('initech', 's-4'));
    expect(first.seq).toBe('1');
    expect(after.seq).toBe('4');
    const chain = await a.query('initech');
    expect(chain.map((e) => e.subjectId)).toEqual(['s-1', 's-2', 's-3', 's-4']);
    expect(after.prevHash).toBe(chain[2].hash);
    expect(await b.verify('initech')).toEqual({ ok: true, tenantId: 'initech', entries: 4, anchorSeq: '0' });
  });

  it('upgrades a log created with a unique index on entry ids: the index goes, entries and their chain stay', async () => {
    const upgrade = await createTestPgDatabaseUrl();
    const db = new PgDatabase(upgrade.url, { max: 2 });
    try {
      const indexedById = async () => (await db.query<{ indexdef: string }>(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'access_log'")).some((r) => r.indexdef.endsWith('(id)'));
      await migrate(db, [ACCESS_LOG_MIGRATION]);
      const log = new AccessLog(db, systemClock, config);
      const old = await log.record(entry('acme', 'before-upgrade'));
      expect(await indexedById()).toBe(true);
      await log.onModuleInit();
      expect(await indexedById()).toBe(false);
      const added = await log.record(entry('acme', 'after-upgrade'));
      expect([old.seq, added.seq]).toEqual(['1', '2']);
      expect(await log.verify('acme')).toEqual({ ok: true, tenantId: 'acme', entries: 2, anchorSeq: '0' });
    } finally {
      await db.close();
      await upgrade.drop();
    }
  });
});
