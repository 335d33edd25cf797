import type { EventStore, Position, RecordedEvent } from '@app/event-store';
import { Pause, sleep } from '@app/platform';
import type { Database } from '@app/platform/database';
import { liveTables, type Projection, type TableNames } from './projection';

export interface ProjectorOptions {
  batchSize?: number;
  /** How long to sleep when caught up before looking again. */
  idleMs?: number;
  /** Fault injection for crash tests: sleep this long inside each batch's transaction, after applying it. */
  faultDelayMs?: number;
  onError?: (projection: string, error: unknown) => void;
}

export interface ProjectionLag { name: string; checkpoint: Position; head: Position; positions: bigint; seconds: number }

/**
 * Follows the global log from each projection's checkpoint and applies events in batches. The read-model changes and
 * the checkpoint move in ONE transaction, so a crash at any point loses nothing and applies nothing twice; the
 * checkpoint row is locked and compared, so several instances (or a rebuild's swap) never apply the same batch twice.
 */
export class Projector {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly pause = new Pause();

  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    readonly projections: readonly Projection[],
    private readonly options: ProjectorOptions = {},
  ) {}

  async ensureCheckpoints(): Promise<void> {
    for (const p of this.projections) {
      await this.db.query('INSERT INTO projection_checkpoints (name, position) VALUES ($1, 0) ON CONFLICT DO NOTHING', [p.name]);
    }
  }

  async checkpoint(name: string): Promise<Position> {
    const [row] = await this.db.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1', [name]);
    return row ? BigInt(row.position) : 0n;
  }

  /** Applies at most one batch of one projection; answers how many events it applied. */
  async runOnce(projection: Projection, tables: TableNames = liveTables(projection)): Promise<number> {
    const from = await this.checkpoint(projection.name);
    const events = await this.store.readAll({ fromPosition: from, maxCount: this.options.batchSize ?? 500 });
    if (events.length === 0) return 0;
    const applied = await this.db.transaction(async (tx) => {
      const [row] = await tx.query<{ position: string }>(
        'SELECT position FROM projection_checkpoints WHERE name = $1 FOR UPDATE', [projection.name]);
      if (!row || BigInt(row.position) !== from) return 0; // another instance or a rebuild moved it: read again
      await projection.apply(tx, events, tables);
      if (this.options.faultDelayMs) await sleep(this.options.faultDelayMs);
      await tx.query('UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE name = $1',
        [projection.name, events[events.length - 1].position.toString()]);
      return events.length;
    });
    return applied;
  }

  /** Runs until every projection has reached the head of the log as it is now. */
  async catchUp(): Promise<void> {
    for (const p of this.projections) {
      while ((await this.runOnce(p)) > 0) { /* next batch */ }
    }
  }

  async start(): Promise<void> {
    await this.ensureCheckpoints();
    this.running = true;
    this.loops = this.projections.map((p) => this.loop(p));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.pause.wake();
    await Promise.allSettled(this.loops);
  }

  /** Projection lag: how far the checkpoint is behind the head, in positions and in seconds of the oldest pending event. */
  async lag(): Promise<ProjectionLag[]> {
    const head = await this.store.headPosition();
    const result: ProjectionLag[] = [];
    for (const p of this.projections) {
      const checkpoint = await this.checkpoint(p.name);
      let seconds = 0;
      if (head > checkpoint) {
        const [next] = await this.store.readAll({ fromPosition: checkpoint, maxCount: 1 });
        if (next) seconds = Math.max(0, (Date.now() - Date.parse(next.recordedAt)) / 1000);
      }
      result.push({ name: p.name, checkpoint, head, positions: head > checkpoint ? head - checkpoint : 0n, seconds });
    }
    return result;
  }

  private async loop(projection: Projection): Promise<void> {
    while (this.running) {
      let applied = 0;
      try {
        applied = await this.runOnce(projection);
      } catch (error) {
        if (!this.running) return;
        this.options.onError?.(projection.name, error);
        await this.pause.wait(1000);
        continue;
      }
      if (applied === 0) await this.pause.wait(this.options.idleMs ?? 20);
    }
  }
}
