import { Database } from './database';

export interface Migration {
  /** Globally unique and never renamed, e.g. `event-store/0001-events`. */
  id: string;
  sql: string;
}

/** One constant advisory-lock key shared by every process that migrates this database. */
const MIGRATION_LOCK_KEY = '7283019465120391';

/**
 * Applies the migrations not yet recorded in `ledger_migrations`, in order, each in its own
 * transaction holding a transaction-scoped advisory lock, so processes starting together apply
 * each migration exactly once. Returns the ids applied by this call.
 */
export async function migrate(db: Database, migrations: readonly Migration[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const m of migrations) {
    if (ids.has(m.id)) throw new Error(`duplicate migration id ${m.id}`);
    ids.add(m.id);
  }
  const applied: string[] = [];
  for (const migration of migrations) {
    const ran = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
      await tx.query(
        'CREATE TABLE IF NOT EXISTS ledger_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = await tx.query('SELECT 1 FROM ledger_migrations WHERE id = $1', [migration.id]);
      if (done.length > 0) return false;
      await tx.query(migration.sql);
      await tx.query('INSERT INTO ledger_migrations (id) VALUES ($1)', [migration.id]);
      return true;
    });
    if (ran) applied.push(migration.id);
  }
  return applied;
}
