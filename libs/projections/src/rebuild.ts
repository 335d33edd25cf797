import type { EventStore, Position } from '@app/event-store';
import type { Database } from '@app/platform/database';
import { type Projection, REBUILD_SUFFIX, rebuildTables } from './projection';

export interface RebuildProgress { projection: string; position: Position; head: Position; events: number }

/**
 * Replays the whole log into fresh tables, then swaps them in: one transaction renames every table of the projection
 * and moves its checkpoint, so a query sees the old tables or the new ones, never half of either. The live projector
 * keeps running meanwhile; the swap waits for the rebuild to have caught up with it.
 */
export class ProjectionRebuilder {
  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    private readonly options: { batchSize?: number } = {},
  ) {}

  async rebuild(projection: Projection, onProgress?: (p: RebuildProgress) => void): Promise<{ events: number; position: Position }> {
    const tables = rebuildTables(projection);
    for (const table of Object.values(tables)) await this.db.query(`DROP TABLE IF EXISTS ${table}`);
    await this.db.query(projection.createSql(tables));
    let position: Position = 0n;
    let events = 0;
    for (let attempt = 0; ; attempt++) {
      const head = await this.store.headPosition();
      for (;;) {
        const batch = await this.store.readAll({ fromPosition: position, maxCount: this.options.batchSize ?? 2000 });
        if (batch.length === 0) break;
        await this.db.transaction((tx) => projection.apply(tx, batch, tables));
        position = batch[batch.length - 1].position;
        events += batch.length;
        onProgress?.({ projection: projection.name, position, head: head > position ? head : position, events });
      }
      const swapped = await this.db.transaction(async (tx) => {
        const [row] = await tx.query<{ position: string }>(
          'SELECT position FROM projection_checkpoints WHERE name = $1 FOR UPDATE', [projection.name]);
        if (row && BigInt(row.position) > position) return false; // the live projector is ahead: catch up again
        for (const table of projection.tables) {
          await tx.query(`ALTER TABLE IF EXISTS ${table} RENAME TO ${table}__old`);
          await tx.query(`ALTER TABLE ${table}${REBUILD_SUFFIX} RENAME TO ${table}`);
          await tx.query(`DROP TABLE IF EXISTS ${table}__old`);
        }
        await tx.query(
          `INSERT INTO projection_checkpoints (name, position) VALUES ($1, $2)
           ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
          [projection.name, position.toString()],
        );
        return true;
      });
      if (swapped) return { events, position };
      if (attempt > 100) throw new Error(`rebuild of ${projection.name} could not catch up with the live projector`);
    }
  }
}
