import { join } from 'node:path';
import { Database } from './database';
import { PgDatabase, redactConnectionString } from './pg-database';
import { PGliteDatabase } from './pglite-database';

export interface OpenDatabaseOptions {
  /** PostgreSQL connection string; unset = embedded PGlite. */
  databaseUrl?: string;
  /** The ledger's data directory; PGlite keeps its files in `${dataDir}/pglite`. */
  dataDir: string;
}

/** PostgreSQL when a URL is configured, else embedded PGlite. Fails fast when the server is unreachable. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (!options.databaseUrl) return PGliteDatabase.open({ dataDir: join(options.dataDir, 'pglite') });
  const db = new PgDatabase(options.databaseUrl);
  try {
    await db.query('SELECT 1');
  } catch (error) {
    await db.close().catch(() => undefined);
    throw new Error(
      `cannot connect to PostgreSQL at ${redactConnectionString(options.databaseUrl)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return db;
}
