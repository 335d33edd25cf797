import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { PgDatabase, PGliteDatabase, quoteIdent, redactConnectionString } from '@app/platform/database';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The server the int/e2e tiers use: DATABASE_URL, or the local default. */
export function adminDatabaseUrl(): string {
  return process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
}

export interface TestPgDatabaseUrl {
  /** Connection string of a fresh, empty database. */
  url: string;
  name: string;
  /** Drops the database, terminating any connection still open to it. */
  drop(): Promise<void>;
}

export interface TestPgDatabase extends TestPgDatabaseUrl {
  db: PgDatabase;
}

/**
 * Creates a uniquely named database on the real server. An unreachable server is an error, never
 * a skipped test: the int tier's contract is that it ran against PostgreSQL.
 */
export async function createTestPgDatabaseUrl(): Promise<TestPgDatabaseUrl> {
  const admin = adminDatabaseUrl();
  const name = `ledger_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdmin(admin, async (client) => {
    // CREATE DATABASE copies template1 and fails while someone else is copying it: retry briefly.
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
        return;
      } catch (error) {
        if (attempt >= 5 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });
  const url = new URL(admin);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin(admin, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
    },
  };
}

export async function createTestPgDatabase(): Promise<TestPgDatabase> {
  const created = await createTestPgDatabaseUrl();
  const db = new PgDatabase(created.url, { max: 20 });
  return {
    ...created,
    db,
    async drop() {
      await db.close();
      await created.drop();
    },
  };
}

export interface TestPgliteDatabase {
  db: PGliteDatabase;
  /** The data directory, or undefined when in memory. */
  dataDir?: string;
  drop(): Promise<void>;
}

/** PGlite in memory (default) or persisted in a fresh temporary directory. */
export async function createTestPgliteDatabase(options: { persistent?: boolean } = {}): Promise<TestPgliteDatabase> {
  const dataDir = options.persistent ? join(await mkdtemp(join(tmpdir(), 'ledger-pglite-')), 'pglite') : undefined;
  const db = await PGliteDatabase.open({ dataDir });
  return {
    db,
    dataDir,
    async drop() {
      await db.close();
      if (dataDir) await rm(join(dataDir, '..'), { recursive: true, force: true });
    },
  };
}

async function withAdmin<R>(url: string, fn: (client: Client) => Promise<R>): Promise<R> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${redactConnectionString(url)} (${(error as Error).message}). ` +
        'The int tier needs a real server: start it or set DATABASE_URL.',
      { cause: error },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
