import { randomUUID } from 'node:crypto';
import type { EventStore, Position } from '@app/event-store';
import { Pause, sleep } from '@app/platform';
import type { Database } from '@app/platform/database';
import { liveTables, type Projection } from '../projection';

/**
 * Scale-out of the read side. Each projection's streams are split into a fixed number of partitions by a hash of the
 * stream id; each partition has its own checkpoint and a lease. Every running instance heartbeats, takes its fair share
 * (partitions ÷ live instances, rounded up) of free or expired leases, gives back what exceeds its share, and applies
 * only the events of the partitions it holds — so N instances split the work N ways and no one instance or row carries
 * it all. A dead instance's leases expire and the survivors take its partitions over from their checkpoints.
 *
 * Exactly once: a partition's events and its checkpoint move in ONE transaction that first locks the checkpoint row
 * and compares it with the position the batch was read from, so an instance whose lease ran out mid-batch (or two
 * instances that both believe they hold a partition) can never apply a batch twice.
 *
 * Sound for projections whose rows each derive from one stream: events of one stream stay in order within their
 * partition, and rows of different streams never meet. The one exception in PROJECTIONS, the eligibility projection's
 * precomputed answers (a subject's derive from its linked contact points' streams too), are worked out under one
 * transaction-scoped advisory lock, from what earlier transactions committed (eligibility/decisions.ts). `projection_checkpoints`
 * keeps, per projection, the lowest partition checkpoint, which is what `minPosition` waits and lag metrics read.
 */
export interface PartitionedProjectorOptions {
  /** Partitions per projection; fixed once a projection's partitions exist (changing it needs a rebuild). Default 16. */
  partitions?: number;
  /** This instance's id (heartbeat and lease owner). Default: a random uuid per process. */
  instanceId?: string;
  /** How long a lease and a heartbeat last without renewal. Default 10 s. */
  leaseMs?: number;
  batchSize?: number;
  idleMs?: number;
  /** Fault injection for crash tests: sleep this long inside each batch's transaction, after applying it. */
  faultDelayMs?: number;
  onError?: (projection: string, error: unknown) => void;
}

export const PARTITIONS_MIGRATION = {
  id: 'projections-partitioned-001',
  sql: `CREATE TABLE IF NOT EXISTS projection_partitions (
      name text NOT NULL,
      partition integer NOT NULL,
      partitions integer NOT NULL,
      position bigint NOT NULL DEFAULT 0,
      owner text,
      lease_until timestamptz,
      PRIMARY KEY (name, partition)
    );
    CREATE TABLE IF NOT EXISTS projector_instances (
      id text PRIMARY KEY,
      seen_until timestamptz NOT NULL
    );`,
};

/** FNV-1a (32 bit) of the stream id: stable across processes and releases, cheap, and spreads ids evenly. */
export function partitionOf(streamId: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < streamId.length; i++) {
    hash ^= streamId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

/** How many partitions one of `live` instances should hold. */
export function fairShare(partitions: number, live: number): number {
  return Math.ceil(partitions / Math.max(1, live));
}

export class PartitionedProjector {
  readonly instanceId: string;
  private readonly partitions: number;
  private readonly leaseMs: number;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly pause = new Pause();

  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    readonly projections: readonly Projection[],
    private readonly options: PartitionedProjectorOptions = {},
  ) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.partitions = options.partitions ?? 16;
    this.leaseMs = options.leaseMs ?? 10_000;
    if (!Number.isInteger(this.partitions) || this.partitions < 1 || this.partitions > 1024) throw new RangeError('partitions must be 1..1024');
  }

  /** Creates the partition rows, starting where the projection's single checkpoint stands. */
  async ensurePartitions(): Promise<void> {
    for (const p of this.projections) {
      await this.db.query('INSERT INTO projection_checkpoints (name, position) VALUES ($1, 0) ON CONFLICT DO NOTHING', [p.name]);
      await this.db.query(
        `INSERT INTO projection_partitions (name, partition, partitions, position)
         SELECT $1, n, $2, (SELECT position FROM projection_checkpoints WHERE name = $1) FROM generate_series(0, $2 - 1) AS n
         ON CONFLICT DO NOTHING`,
        [p.name, this.partitions],
      );
      const [row] = await this.db.query<{ partitions: number; rows: string }>(
        'SELECT min(partitions) AS partitions, count(*)::text AS rows FROM projection_partitions WHERE name = $1', [p.name]);
      if (row.partitions !== this.partitions || Number(row.rows) !== this.partitions) {
        throw new Error(`${p.name} is split into ${row.rows} partitions, not ${this.partitions}: rebuild the projection to change the count`);
      }
    }
  }

  /** Heartbeat, then keep this instance's fair share of leases; answers the partitions held for each projection. */
  async rebalance(): Promise<Map<string, number[]>> {
    const lease = `${this.leaseMs} milliseconds`;
    await this.db.query(
      `INSERT INTO projector_instances (id, seen_until) VALUES ($1, now() + $2::interval)
       ON CONFLICT (id) DO UPDATE SET seen_until = EXCLUDED.seen_until`, [this.instanceId, lease]);
    const [{ live }] = await this.db.query<{ live: number }>('SELECT count(*)::int AS live FROM projector_instances WHERE seen_until > now()');
    const share = fairShare(this.partitions, live);
    const held = new Map<string, number[]>();
    for (const p of this.projections) {
      const owned = await this.db.query<{ partition: number }>(
        `UPDATE projection_partitions SET lease_until = now() + $3::interval
          WHERE name = $1 AND owner = $2 AND lease_until > now() RETURNING partition`, [p.name, this.instanceId, lease]);
      let mine = owned.map((r) => r.partition).sort((a, b) => a - b);
      if (mine.length > share) {
        const extra = mine.slice(share);
        await this.db.query(
          'UPDATE projection_partitions SET owner = NULL, lease_until = NULL WHERE name = $1 AND owner = $2 AND partition = ANY($3::int[])',
          [p.name, this.instanceId, extra]);
        mine = mine.slice(0, share);
      } else if (mine.length < share) {
        const claimed = await this.db.query<{ partition: number }>(
          `UPDATE projection_partitions SET owner = $2, lease_until = now() + $3::interval
            WHERE name = $1 AND partition IN (
              SELECT partition FROM projection_partitions
               WHERE name = $1 AND (owner IS NULL OR lease_until IS NULL OR lease_until <= now())
               ORDER BY partition LIMIT $4 FOR UPDATE SKIP LOCKED)
            RETURNING partition`, [p.name, this.instanceId, lease, share - mine.length]);
        mine = [...mine, ...claimed.map((r) => r.partition)].sort((a, b) => a - b);
      }
      held.set(p.name, mine);
    }
    return held;
  }

  /** Applies at most one batch of one partition; answers how many log events it moved past (0: caught up). */
  async runOnce(projection: Projection, partition: number): Promise<number> {
    const [row] = await this.db.query<{ position: string }>(
      'SELECT position FROM projection_partitions WHERE name = $1 AND partition = $2', [projection.name, partition]);
    const from = BigInt(row.position);
    const read = await this.store.readAll({ fromPosition: from, maxCount: this.options.batchSize ?? 500 });
    if (read.length === 0) return 0;
    const to = read[read.length - 1].position;
    const events = read.filter((e) => partitionOf(e.streamId, this.partitions) === partition);
    const moved = await this.db.transaction(async (tx) => {
      const [locked] = await tx.query<{ position: string; owner: string | null }>(
        'SELECT position, owner FROM projection_partitions WHERE name = $1 AND partition = $2 FOR UPDATE', [projection.name, partition]);
      // Another instance took the partition over, or moved it on: read again.
      if (BigInt(locked.position) !== from || locked.owner !== this.instanceId) return false;
      if (events.length > 0) await projection.apply(tx, events, liveTables(projection));
      if (this.options.faultDelayMs) await sleep(this.options.faultDelayMs);
      await tx.query('UPDATE projection_partitions SET position = $3 WHERE name = $1 AND partition = $2',
        [projection.name, partition, to.toString()]);
      return true;
    });
    if (!moved) return 0;
    await this.advanceLowWater(projection.name);
    return read.length;
  }

  /** The lowest partition checkpoint of a projection: every event at or below it is applied. */
  async lowWater(name: string): Promise<Position> {
    const [row] = await this.db.query<{ position: string | null }>('SELECT min(position)::text AS position FROM projection_partitions WHERE name = $1', [name]);
    return row.position === null ? 0n : BigInt(row.position);
  }

  async start(): Promise<void> {
    await this.ensurePartitions();
    this.running = true;
    this.loops = [this.loop()];
  }

  /** Stops and gives the leases back, so the others take over at once rather than when the leases expire. */
  async stop(): Promise<void> {
    this.running = false;
    this.pause.wake();
    await Promise.allSettled(this.loops);
    await this.db.query('UPDATE projection_partitions SET owner = NULL, lease_until = NULL WHERE owner = $1', [this.instanceId]);
    await this.db.query('DELETE FROM projector_instances WHERE id = $1', [this.instanceId]);
  }

  private async advanceLowWater(name: string): Promise<void> {
    // Only ever forward; skipped when another instance already moved it as far.
    await this.db.query(
      `UPDATE projection_checkpoints SET position = low.position, updated_at = now()
         FROM (SELECT min(position) AS position FROM projection_partitions WHERE name = $1) AS low
        WHERE name = $1 AND projection_checkpoints.position < low.position`, [name]);
  }

  private async loop(): Promise<void> {
    let held = new Map<string, number[]>();
    let renewedAt = 0;
    while (this.running) {
      let progressed = false;
      try {
        if (Date.now() - renewedAt > this.leaseMs / 3) {
          held = await this.rebalance();
          renewedAt = Date.now();
        }
        for (const p of this.projections) {
          for (const partition of held.get(p.name) ?? []) {
            if (!this.running) return;
            if ((await this.runOnce(p, partition)) > 0) progressed = true;
          }
        }
      } catch (error) {
        if (!this.running) return;
        this.options.onError?.('partitioned', error);
        await this.pause.wait(1000);
        continue;
      }
      if (!progressed) await this.pause.wait(this.options.idleMs ?? 20);
    }
  }
}
