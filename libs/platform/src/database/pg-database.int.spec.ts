import { createTestPgDatabaseUrl, type TestPgDatabaseUrl } from '../../../../test/support/database';
import { PgDatabase, type PgDatabaseOptions } from './pg-database';

/** Shaped like the eligibility read model's lookup: keys as an array, probed through primary keys, with a UNION of unnests. */
const LOOKUP = `WITH s AS (SELECT id, linked FROM plan_subjects WHERE id = ANY($1::text[]))
  SELECT 's' AS k, id FROM s
  UNION ALL
  SELECT 'c', key FROM plan_contacts WHERE key IN (SELECT unnest($2::text[]) UNION SELECT unnest(linked) FROM s)`;

interface PlanCounts { generic_plans: string; custom_plans: string }

describe('PgDatabase plan cache mode', () => {
  let server: TestPgDatabaseUrl;
  const open: PgDatabase[] = [];
  const pool = (options: PgDatabaseOptions = {}, url = server.url) => {
    const db = new PgDatabase(url, { max: 1, ...options });
    open.push(db);
    return db;
  };

  /** Runs the lookup on the pool's one connection as a check would, then reads how that connection planned it. */
  async function planCountsOfLookup(db: PgDatabase): Promise<PlanCounts> {
    for (let i = 0; i < 8; i++) await db.query(LOOKUP, [[`s${i}`], [`c${i}`]]);
    const rows = await db.query<PlanCounts>(
      'SELECT generic_plans::text, custom_plans::text FROM pg_prepared_statements WHERE statement = $1', [LOOKUP]);
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  beforeAll(async () => {
    server = await createTestPgDatabaseUrl();
    const setup = new PgDatabase(server.url, { max: 1 });
    await setup.query(`
      CREATE TABLE plan_subjects (id text PRIMARY KEY, linked text[] NOT NULL);
      CREATE TABLE plan_contacts (key text PRIMARY KEY);
      INSERT INTO plan_subjects SELECT 's' || i, ARRAY['c' || i] FROM generate_series(1, 5000) i;
      INSERT INTO plan_contacts SELECT 'c' || i FROM generate_series(1, 5000) i;
      ANALYZE plan_subjects, plan_contacts`);
    await setup.close();
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((db) => db.close()));
  });

  afterAll(() => server.drop());

  it('sets plan_cache_mode on the connections of a pool configured with it, and leaves the server default otherwise', async () => {
    expect(await pool({ planCacheMode: 'force_generic_plan' }).query('SHOW plan_cache_mode')).toEqual([{ plan_cache_mode: 'force_generic_plan' }]);
    expect(await pool({ planCacheMode: 'force_custom_plan' }).query('SHOW plan_cache_mode')).toEqual([{ plan_cache_mode: 'force_custom_plan' }]);
    expect(await pool().query('SHOW plan_cache_mode')).toEqual([{ plan_cache_mode: 'auto' }]);
  });

  it('plans a prepared lookup once, generically, under force_generic_plan', async () => {
    const counts = await planCountsOfLookup(pool({ planCacheMode: 'force_generic_plan' }));
    expect(Number(counts.generic_plans)).toBeGreaterThan(0);
    expect(Number(counts.custom_plans)).toBe(0);
  });

  it('keeps re-planning the same lookup by default (auto prices its generic plan above the custom ones)', async () => {
    const counts = await planCountsOfLookup(pool());
    expect(Number(counts.custom_plans)).toBe(8);
    expect(Number(counts.generic_plans)).toBe(0);
  });

  it('adds the setting after the options the connection string or PGOPTIONS already carry, keeping both', async () => {
    const url = new URL(server.url);
    url.searchParams.set('options', '-c statement_timeout=4321');
    const fromUrl = pool({ planCacheMode: 'force_generic_plan' }, url.toString());
    expect(await fromUrl.query('SELECT current_setting($1) AS timeout, current_setting($2) AS mode', ['statement_timeout', 'plan_cache_mode']))
      .toEqual([{ timeout: '4321ms', mode: 'force_generic_plan' }]);

    const previous = process.env.PGOPTIONS;
    process.env.PGOPTIONS = '-c statement_timeout=1234';
    let fromEnv: PgDatabase;
    try {
      fromEnv = pool({ planCacheMode: 'force_generic_plan' });
    } finally {
      if (previous === undefined) delete process.env.PGOPTIONS;
      else process.env.PGOPTIONS = previous;
    }
    expect(await fromEnv.query('SELECT current_setting($1) AS timeout, current_setting($2) AS mode', ['statement_timeout', 'plan_cache_mode']))
      .toEqual([{ timeout: '1234ms', mode: 'force_generic_plan' }]);
  });
});
