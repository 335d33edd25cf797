import type { RecordedEvent } from '@app/event-store';
import type { Queryable } from '@app/platform/database';

/**
 * A read model fed by the global log. `tables` are its logical table names; the runtime gives `apply` the physical
 * names, so that a rebuild can replay into fresh tables and swap them in (see ProjectionRebuilder).
 */
export interface Projection {
  readonly name: string;
  /** Bumped when the tables change shape: a new version is a new migration and calls for a rebuild. */
  readonly version: number;
  readonly tables: readonly string[];
  /** CREATE TABLE / INDEX statements for one set of physical tables. */
  createSql(t: TableNames): string;
  /** Apply a batch of events in global order inside the runtime's transaction. */
  apply(tx: Queryable, events: readonly RecordedEvent[], t: TableNames): Promise<void>;
}

export type TableNames = Record<string, string>;

export const REBUILD_SUFFIX = '__rebuild';

export function liveTables(projection: Projection): TableNames {
  return Object.fromEntries(projection.tables.map((t) => [t, t]));
}

export function rebuildTables(projection: Projection): TableNames {
  return Object.fromEntries(projection.tables.map((t) => [t, `${t}${REBUILD_SUFFIX}`]));
}

export const CHECKPOINTS_MIGRATION = {
  id: 'projections-001-checkpoints',
  sql: `CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name text PRIMARY KEY,
    position bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
};

/**
 * Every projection's live tables, created by migration so that a fresh database answers queries at once. A new
 * version of a projection drops the tables of the old one and sets its checkpoint back to the start of the log (and
 * forgets its partitions, which partitioned projectors create again from that checkpoint): its projector replays every
 * event into the new tables (readiness reports the lag meanwhile; `ledgerctl projections rebuild` does the same
 * without the window).
 */
export function projectionMigrations(projections: readonly Projection[]): { id: string; sql: string }[] {
  return [
    CHECKPOINTS_MIGRATION,
    ...projections.map((p) => ({
      id: `projections-002-${p.name}-v${p.version}`,
      sql: p.version === 1
        ? p.createSql(liveTables(p))
        : `${p.tables.map((t) => `DROP TABLE IF EXISTS ${t};`).join('\n')}
           ${p.createSql(liveTables(p))};
           UPDATE projection_checkpoints SET position = 0, updated_at = now() WHERE name = '${p.name}';
           DO $$ BEGIN
             IF to_regclass('projection_partitions') IS NOT NULL THEN DELETE FROM projection_partitions WHERE name = '${p.name}'; END IF;
           END $$;`,
    })),
  ];
}
