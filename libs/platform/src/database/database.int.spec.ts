import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPgDatabase, createTestPgDatabaseUrl, createTestPgliteDatabase } from '../../../../test/support/database';
import { Database } from './database';
import { DataDirectoryLockedError, LOCK_FILE_NAME } from './directory-lock';
import { migrate } from './migrate';
import { openDatabase } from './open-database';
import { PgDatabase } from './pg-database';
import { PGliteDatabase } from './pglite-database';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  ['postgres', async () => createTestPgDatabase()],
  ['pglite', async () => createTestPgliteDatabase()],
] as const)('Database on %s', (_kind, create) => {
  let db: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await create());
  });
  afterAll(() => drop());

  it('returns bigint and numeric as strings, timestamps as Dates and jsonb parsed', async () => {
    const [row] = await db.query<Record<string, unknown>>(
      `SELECT 9007199254740993::bigint AS b, 1.50::numeric AS n, now() AS t, '{"a":[1]}'::jsonb AS j, $1::text AS s`,
      ['x'],
    );
    expect(row).toEqual({ b: '9007199254740993', n: '1.50', t: expect.any(Date), j: { a: [1] }, s: 'x' });
  });

  it('runs several statements in a query without parameters and returns the last rows', async () => {
    const rows = await db.query('CREATE TEMP TABLE multi (a int); INSERT INTO multi VALUES (1), (2); SELECT count(*) AS c FROM multi');
    expect(rows).toEqual([{ c: '2' }]);
  });

  it('commits a transaction and rolls it back when the callback throws', async () => {
    await db.query('CREATE TABLE tx_probe (a int)');
    await db.transaction((tx) => tx.query('INSERT INTO tx_probe VALUES (1)'));
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe VALUES (2)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.query('SELECT a FROM tx_probe ORDER BY a')).toEqual([{ a: 1 }]);
  });

  it('never lets a concurrent query land inside another caller\'s transaction', async () => {
    await db.query('CREATE TABLE interleave (who text, step int)');
    const writer = (who: string) =>
      db.transaction(async (tx) => {
        for (let step = 0; step < 5; step++) {
          await tx.query('INSERT INTO interleave VALUES ($1, $2)', [who, step]);
          await sleep(1);
        }
        throw new Error(`abort ${who}`);
      });
    const outcomes = await Promise.allSettled([
      writer('a'),
      db.query("INSERT INTO interleave VALUES ('outside', 0)"),
      writer('b'),
      db.query("INSERT INTO interleave VALUES ('outside', 1)"),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
    // Both transactions rolled back completely; the outside inserts were not swept into them.
    expect(await db.query('SELECT who, step FROM interleave ORDER BY step')).toEqual([
      { who: 'outside', step: 0 },
      { who: 'outside', step: 1 },
    ]);
  });

  it('delivers NOTIFY to a listener after commit', async () => {
    const received: string[] = [];
    const unlisten = await db.listen('probe_channel', (payload) => received.push(payload));
    await db.query("SELECT pg_notify('probe_channel', 'hello')");
    for (let i = 0; i < 50 && received.length === 0; i++) await sleep(10);
    await unlisten();
    expect(received).toEqual(['hello']);
  });

  it('applies each migration once and records it', async () => {
    const migrations = [
      { id: 'test/0001', sql: 'CREATE TABLE m1 (a int); INSERT INTO m1 VALUES (1);' },
      { id: 'test/0002', sql: 'INSERT INTO m1 VALUES (2)' },
    ];
    expect(await migrate(db, migrations)).toEqual(['test/0001', 'test/0002']);
    expect(await migrate(db, migrations)).toEqual([]);
    expect(await db.query('SELECT a FROM m1 ORDER BY a')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('rolls back a failing migration and leaves it unrecorded', async () => {
    await expect(migrate(db, [{ id: 'test/broken', sql: 'CREATE TABLE half (a int); SELECT nope FROM half' }])).rejects.toThrow();
    expect(await db.query("SELECT to_regclass('half') AS t")).toEqual([{ t: null }]);
    expect(await db.query("SELECT id FROM ledger_migrations WHERE id = 'test/broken'")).toEqual([]);
  });
});

describe('migrate on the real server', () => {
  it('applies each migration exactly once when several processes start at the same time', async () => {
    const created = await createTestPgDatabaseUrl();
    const pools = Array.from({ length: 4 }, () => new PgDatabase(created.url, { max: 2 }));
    try {
      const migrations = [
        { id: 'race/0001', sql: 'CREATE TABLE raced (a int)' },
        { id: 'race/0002', sql: 'INSERT INTO raced VALUES (1)' },
      ];
      const applied = await Promise.all(pools.map((db) => migrate(db, migrations)));
      expect(applied.flat().sort()).toEqual(['race/0001', 'race/0002']);
      expect(await pools[0].query('SELECT count(*) AS c FROM raced')).toEqual([{ c: '1' }]);
    } finally {
      await Promise.all(pools.map((db) => db.close()));
      await created.drop();
    }
  });
});

describe('openDatabase', () => {
  it('opens PGlite in <dataDir>/pglite without a URL, and PostgreSQL with one', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ledger-open-'));
    const created = await createTestPgDatabaseUrl();
    try {
      const embedded = await openDatabase({ dataDir });
      expect(embedded.kind).toBe('pglite');
      await expect(readFile(join(dataDir, 'pglite', LOCK_FILE_NAME), 'utf8')).resolves.toContain(String(process.pid));
      await embedded.close();
      const server = await openDatabase({ dataDir, databaseUrl: created.url });
      expect(server.kind).toBe('postgres');
      await server.close();
    } finally {
      await created.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('fails fast, without the password, when the server is unreachable', async () => {
    await expect(
      openDatabase({ dataDir: tmpdir(), databaseUrl: 'postgres://u:secret@127.0.0.1:1/x' }),
    ).rejects.toThrow(/cannot connect to PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/x/);
  });
});

describe('PGlite data directory lock', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ledger-lock-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('persists data across reopen and releases the lock on close', async () => {
    const dir = join(root, 'pglite');
    const first = await PGliteDatabase.open({ dataDir: dir });
    await first.query('CREATE TABLE kept (a int); INSERT INTO kept VALUES (7)');
    await first.close();
    const second = await PGliteDatabase.open({ dataDir: dir });
    expect(await second.query('SELECT a FROM kept')).toEqual([{ a: 7 }]);
    await second.close();
  });

  it('refuses a second open of the same directory, naming it', async () => {
    const dir = join(root, 'pglite');
    const first = await PGliteDatabase.open({ dataDir: dir });
    try {
      await expect(PGliteDatabase.open({ dataDir: dir })).rejects.toThrow(DataDirectoryLockedError);
      await expect(PGliteDatabase.open({ dataDir: dir })).rejects.toThrow(`data directory ${dir} is already in use`);
    } finally {
      await first.close();
    }
  });

  it('refuses a directory locked by another live process', async () => {
    const dir = join(root, 'pglite');
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await PGliteDatabase.open({ dataDir: dir }).then((db) => db.close()); // create the directory
      await writeFile(join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: other.pid, hostname: require('node:os').hostname(), token: 't' }));
      await expect(PGliteDatabase.open({ dataDir: dir })).rejects.toThrow(`process ${other.pid}`);
    } finally {
      other.kill();
    }
  });

  it('takes over a stale lock left by a process that is gone', async () => {
    const dir = join(root, 'pglite');
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => gone.on('exit', resolve));
    await PGliteDatabase.open({ dataDir: dir }).then((db) => db.close());
    await writeFile(join(dir, LOCK_FILE_NAME), String(gone.pid));
    const db = await PGliteDatabase.open({ dataDir: dir });
    await expect(readFile(join(dir, LOCK_FILE_NAME), 'utf8')).resolves.toContain(`"pid":${process.pid}`);
    await db.close();
  });
});
