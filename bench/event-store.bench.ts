/**
 * bench event-store: our PostgreSQL event store against Emmett (@event-driven-io/emmett-postgresql) on the same server
 * and database, synchronous_commit on, alternating A B A B:
 *  - appends: one event per append, 16 concurrent writers on distinct streams (throughput and p99 latency);
 *  - batches: 100 events per append, 16 writers;
 *  - read + fold of a 100-event stream with the subject decider's evolve;
 *  - projection rebuild of N events (1,000,000 in a full run) into a read model: ours (ProjectionRebuilder, the
 *    projector runtime's replay-and-swap) vs Emmett's rebuildPostgreSQLProjections vs a naive one-query-per-event loop.
 */
import { Pool } from 'pg';
import { fromWireEvent, subjectDecider, type SubjectState } from '@app/domain';
import { type NewEvent, PostgresEventStore } from '@app/event-store';
import { migrate, PgDatabase, type Queryable } from '@app/platform/database';
import { CHECKPOINTS_MIGRATION, type Projection, ProjectionRebuilder, type TableNames } from '@app/projections';
import { alternate, type Benchmark, type BenchContext, type BenchResult, figure, type LatencyProfile, now, percentile, series } from './lib/harness';
import { forDuration, pool, preferenceEvent, TENANT } from './lib/events';
import { cpuProfile } from './lib/profile';
import { profileByArea, summariseProfile } from './lib/server';
import { sampleWaits, type WaitSample } from './lib/waits';
import { join } from 'node:path';

const WRITERS = 16;

// Emmett ships ES modules and CommonJS; the CommonJS build loads under Node 20 with require().
// eslint-disable-next-line @typescript-eslint/no-require-imports
const emmett = require('@event-driven-io/emmett-postgresql') as typeof import('@event-driven-io/emmett-postgresql');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dumbo = require('@event-driven-io/dumbo') as typeof import('@event-driven-io/dumbo');

type EmmettStore = ReturnType<typeof emmett.getPostgreSQLEventStore>;

function toEmmett(event: NewEvent): { type: string; data: any; metadata: any } {
  return { type: event.type, data: event.data, metadata: event.metadata };
}

interface Contender {
  name: string;
  append(stream: string, events: NewEvent[], expected: number): Promise<void>;
  readAndFold(stream: string): Promise<SubjectState>;
}

function evolveWire(state: SubjectState, type: string, schemaVersion: number, data: unknown): SubjectState {
  return subjectDecider.evolve(state, fromWireEvent(type, schemaVersion, data) as never);
}

/** A small read model for the rebuild: events and last position per stream. Same SQL for every contender. */
const UPSERT = (table: string) =>
  `INSERT INTO ${table} (stream_id, events, last_position)
   SELECT s, c, p FROM unnest($1::text[], $2::integer[], $3::bigint[]) AS u(s, c, p)
   ON CONFLICT (stream_id) DO UPDATE SET events = ${table}.events + EXCLUDED.events, last_position = EXCLUDED.last_position`;

function aggregate(events: { stream: string; position: bigint }[]): [string[], number[], string[]] {
  const byStream = new Map<string, { c: number; p: bigint }>();
  for (const e of events) {
    const entry = byStream.get(e.stream);
    if (entry) {
      entry.c++;
      entry.p = e.position;
    } else byStream.set(e.stream, { c: 1, p: e.position });
  }
  return [[...byStream.keys()], [...byStream.values()].map((v) => v.c), [...byStream.values()].map((v) => v.p.toString())];
}

const streamStats: Projection = {
  name: 'bench_stream_stats',
  version: 1,
  tables: ['bench_stream_stats'],
  createSql: (t: TableNames) =>
    `CREATE TABLE IF NOT EXISTS ${t.bench_stream_stats} (stream_id text PRIMARY KEY, events integer NOT NULL, last_position bigint NOT NULL)`,
  async apply(tx: Queryable, events, t) {
    await tx.query(UPSERT(t.bench_stream_stats), aggregate(events.map((e) => ({ stream: e.streamId, position: e.position }))));
  },
};

interface Stores {
  url: string;
  db: PgDatabase;
  ours: PostgresEventStore;
  contenders: Contender[];
  close(): Promise<void>;
}

/** Both stores on one fresh database, each on its own pool of WRITERS connections. */
async function openStores(database: { url: string; drop(): Promise<void> }): Promise<Stores> {
  const db = new PgDatabase(database.url, { max: WRITERS, applicationName: 'bench-ours' });
  const emmettPool = new Pool({ connectionString: database.url, max: WRITERS, application_name: 'bench-emmett' });
  emmettPool.on('error', () => undefined);
  let theirs: EmmettStore | undefined;
  const close = async () => {
    await theirs?.close().catch(() => undefined);
    await emmettPool.end().catch(() => undefined);
    await db.close();
    await database.drop();
  };
  try {
    await migrate(db, [CHECKPOINTS_MIGRATION]);
    const ours = await PostgresEventStore.create(db);
    theirs = emmett.getPostgreSQLEventStore(database.url, { connectionOptions: { pool: emmettPool } } as never);
    await theirs.schema.migrate();
    const emmettStore = theirs;
    const [{ setting }] = await db.query<{ setting: string }>("SELECT setting FROM pg_settings WHERE name = 'synchronous_commit'");
    if (setting !== 'on') throw new Error(`synchronous_commit is ${setting}; the benchmark needs it on`);
    const contenders: Contender[] = [
      {
        name: 'ours',
        append: async (stream, events, expected) => {
          await ours.append(stream, events, { expectedRevision: expected < 0 ? 'no-stream' : expected });
        },
        readAndFold: async (stream) => {
          let state = subjectDecider.initialState({ subjectId: stream });
          for (const e of await ours.readStream(stream)) state = evolveWire(state, e.type, e.metadata.schemaVersion, e.data);
          return state;
        },
      },
      {
        name: 'emmett',
        append: async (stream, events, expected) => {
          await emmettStore.appendToStream(stream, events.map(toEmmett) as never, { expectedStreamVersion: BigInt(expected + 1) } as never);
        },
        readAndFold: async (stream) => {
          const { state } = await emmettStore.aggregateStream(stream, {
            initialState: () => subjectDecider.initialState({ subjectId: stream }),
            evolve: (state: SubjectState, e: any) => evolveWire(state, e.type, e.metadata.schemaVersion, e.data),
          } as never);
          return state as SubjectState;
        },
      },
    ];
    return { url: database.url, db, ours, contenders, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export const eventStoreBenchmark: Benchmark = {
  name: 'event-store',
  title: 'Event store vs Emmett',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const sizes = ctx.smoke
      ? { appendMs: 300, batchMs: 300, readMs: 300, foldStreams: 4, rebuildEvents: Number(process.env.BENCH_REBUILD_EVENTS ?? 2_000), naiveEvents: 1_000, rebuildRounds: 2, fullRebuildEvents: 0 }
      : { appendMs: 4_000, batchMs: 3_000, readMs: 3_000, foldStreams: ctx.size(64), rebuildEvents: ctx.size(250_000), naiveEvents: ctx.size(50_000), rebuildRounds: 3, fullRebuildEvents: ctx.size(1_000_000) };
    const main = await openStores(await ctx.database());
    let rebuildStores: Stores | undefined;
    try {
      const { db, contenders } = main;
      const at = new Date().toISOString();

      // 1. One event per append, 16 writers on distinct streams.
      ctx.log('appends: 1 event per append, 16 writers');
      // The last round of each is also watched: what the database's backends wait on, and (ours) a CPU profile of this process.
      const appendWaits = new Map<string, WaitSample[]>();
      const appendProfileDir = join(ctx.tmpDir, 'append-profile');
      const appendRuns = await alternate(ctx, 'append', ctx.rounds, contenders.map((c) => ({
        name: c.name,
        run: async (round: number) => {
          const latencies: number[] = [];
          const revisions = new Array<number>(WRITERS).fill(-1);
          const watched = round === ctx.rounds - 1;
          const sampler = watched ? await sampleWaits(main.url) : undefined;
          const started = now();
          const drive = () => forDuration(WRITERS, sizes.appendMs, async (w, i) => {
            const t = now();
            await c.append(`subject-${TENANT}-a${round}-${c.name}-${w}`, [preferenceEvent(`w${w}`, i, at)], revisions[w]);
            latencies.push(now() - t);
            revisions[w]++;
          });
          const count = watched && c.name === 'ours' ? await cpuProfile(appendProfileDir, drive) : await drive();
          const seconds = (now() - started) / 1000;
          if (sampler) appendWaits.set(c.name, await sampler.stop());
          return { perSecond: count / seconds, p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: Math.max(...latencies) };
        },
      })));

      // 2. 100 events per append.
      ctx.log('batches: 100 events per append, 16 writers');
      const batchRuns = await alternate(ctx, 'batch', ctx.rounds, contenders.map((c) => ({
        name: c.name,
        run: async (round: number) => {
          const revisions = new Array<number>(WRITERS).fill(-1);
          const started = now();
          const count = await forDuration(WRITERS, sizes.batchMs, async (w, i) => {
            await c.append(`subject-${TENANT}-b${round}-${c.name}-${w}`, Array.from({ length: 100 }, (_, n) => preferenceEvent(`w${w}`, i * 100 + n, at)), revisions[w]);
            revisions[w] += 100;
          });
          return (count * 100) / ((now() - started) / 1000);
        },
      })));

      // 3. Read and fold 100-event streams (written once per store, untimed).
      ctx.log(`read + fold: ${sizes.foldStreams} streams of 100 events`);
      for (const c of contenders) {
        await pool(WRITERS, sizes.foldStreams, (n) => c.append(`subject-${TENANT}-f-${c.name}-${n}`,
          Array.from({ length: 100 }, (_, i) => preferenceEvent(`f${n}`, i, at)), -1));
      }
      const foldRuns = await alternate(ctx, 'read+fold', ctx.rounds, contenders.map((c) => ({
        name: c.name,
        run: async () => {
          const latencies: number[] = [];
          const started = now();
          const count = await forDuration(WRITERS, sizes.readMs, async (w, i) => {
            const t = now();
            const state = await c.readAndFold(`subject-${TENANT}-f-${c.name}-${(w * 7919 + i) % sizes.foldStreams}`);
            latencies.push(now() - t);
            if (state.preferences.length === 0) throw new Error(`${c.name} folded nothing`);
          });
          return { perSecond: count / ((now() - started) / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
        },
      })));

      // 4. Projection rebuild.
      // The rebuild reads a log of exactly rebuildEvents events in each store: a second, fresh database.
      ctx.log(`rebuild: seeding ${sizes.rebuildEvents} events in each store of a fresh database (100 per append, 1,024 streams, 16 writers)`);
      rebuildStores = await openStores(await ctx.database());
      const { db: rdb, ours: rours, contenders: rcontenders } = rebuildStores;
      // Worker w appends to the streams congruent to w (rebuildStreams is a multiple of WRITERS), so it alone knows their revisions.
      const rebuildStreams = ctx.smoke ? 32 : 1024;
      const appends = Math.ceil(sizes.rebuildEvents / 100);
      const seedStarted = now();
      for (const c of rcontenders) {
        const revisions = new Map<number, number>();
        await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
          for (let n = w; n < appends; n += WRITERS) {
            const s = n % rebuildStreams;
            const expected = revisions.get(s) ?? -1;
            await c.append(`subject-${TENANT}-r-${c.name}-${s}`, Array.from({ length: 100 }, (_, i) => preferenceEvent(`r${s}`, n * 100 + i, at)), expected);
            revisions.set(s, expected + 100);
          }
        }));
      }
      ctx.log(`  seeded in ${((now() - seedStarted) / 1000).toFixed(1)} s`);
      const ourTotal = Number((await rdb.query<{ c: string }>('SELECT count(*) AS c FROM ledger_events'))[0].c);
      const theirTotal = Number((await rdb.query<{ c: string }>('SELECT count(*) AS c FROM emt_messages'))[0].c);

      const rebuilder = new ProjectionRebuilder(rdb, rours, { batchSize: 2000 });
      // A fresh projection name per round: Emmett keeps a processor checkpoint per name, and a second rebuild under the
      // same name would start from it and apply nothing.
      const emmettProjection = (round: number) => emmett.postgreSQLRawBatchSQLProjection({
        name: `bench_stream_stats_${round}`,
        canHandle: [preferenceEvent('x', 0, '').type],
        evolve: (events: any[]) => {
          const [s, c, p] = aggregate(events.map((e) => ({ stream: e.metadata.streamName, position: BigInt(e.metadata.globalPosition) })));
          const json = JSON.stringify(s.map((stream, i) => ({ s: stream, c: c[i], p: p[i] }))).replace(/'/g, "''");
          return [dumbo.rawSql(
            `INSERT INTO emt_bench_stream_stats (stream_id, events, last_position)
             SELECT s, c, p FROM jsonb_to_recordset('${json}'::jsonb) AS x(s text, c integer, p bigint)
             ON CONFLICT (stream_id) DO UPDATE SET events = emt_bench_stream_stats.events + EXCLUDED.events, last_position = EXCLUDED.last_position`)];
        },
      } as never);
      const emmettApplied: number[] = [];
      await rdb.query('CREATE TABLE IF NOT EXISTS emt_bench_stream_stats (stream_id text PRIMARY KEY, events integer NOT NULL, last_position bigint NOT NULL)');
      await rdb.query('CREATE TABLE IF NOT EXISTS naive_stream_stats (stream_id text PRIMARY KEY, events integer NOT NULL, last_position bigint NOT NULL)');
      const expectStats = async (table: string, events: number) => {
        const [row] = await rdb.query<{ n: string }>(`SELECT coalesce(sum(events), 0)::text AS n FROM ${table}`);
        if (events >= 0 && Number(row.n) !== events) throw new Error(`${table} holds ${row.n} events, expected ${events}`);
        return Number(row.n);
      };
      const rebuildRuns = await alternate(ctx, 'rebuild', sizes.rebuildRounds, [
        {
          name: 'ours',
          run: async () => {
            const started = now();
            const { events } = await rebuilder.rebuild(streamStats);
            const seconds = (now() - started) / 1000;
            await expectStats('bench_stream_stats', ourTotal);
            return events / seconds;
          },
        },
        {
          name: 'emmett',
          run: async (round: number) => {
            await rdb.query('TRUNCATE emt_bench_stream_stats');
            const started = now();
            const consumer = emmett.rebuildPostgreSQLProjections({
              connectionString: rebuildStores!.url, projections: [emmettProjection(round)], pulling: { batchSize: 2000 },
            } as never);
            await consumer.start();
            const seconds = (now() - started) / 1000;
            await consumer.close();
            // Throughput counts the events Emmett actually applied (see the note on events it skips).
            const applied = await expectStats('emt_bench_stream_stats', -1);
            emmettApplied.push(applied);
            return applied / seconds;
          },
        },
        {
          name: 'naive',
          run: async () => {
            // One INSERT ... ON CONFLICT per event, each page of 1,000 in one transaction; over the first naiveEvents.
            await rdb.query('TRUNCATE naive_stream_stats');
            const started = now();
            let position = 0n;
            let applied = 0;
            while (applied < sizes.naiveEvents) {
              const page = await rdb.query<{ position: string; stream_id: string }>(
                'SELECT position::text AS position, stream_id FROM ledger_events WHERE position > $1::bigint ORDER BY ledger_events.position LIMIT 1000', [position.toString()]);
              if (page.length === 0) break;
              await rdb.transaction(async (tx) => {
                for (const e of page) {
                  await tx.query(`INSERT INTO naive_stream_stats (stream_id, events, last_position) VALUES ($1, 1, $2::bigint)
                    ON CONFLICT (stream_id) DO UPDATE SET events = naive_stream_stats.events + 1, last_position = EXCLUDED.last_position`, [e.stream_id, e.position]);
                }
              });
              applied += page.length;
              position = BigInt(page[page.length - 1].position);
            }
            return applied / ((now() - started) / 1000);
          },
        },
      ]);

      // Ours alone at the full size: the log grown to fullRebuildEvents, one rebuild (Emmett at ~3,500 events/s would
      // need about five minutes per round at this size, beyond the run's time budget).
      let fullRebuild: { events: number; perSecond: number } | undefined;
      if (sizes.fullRebuildEvents > ourTotal) {
        const ours = rcontenders[0];
        const more = Math.ceil((sizes.fullRebuildEvents - ourTotal) / 100);
        ctx.log(`rebuild, ours alone: growing our log to ${sizes.fullRebuildEvents.toLocaleString('en-US')} events`);
        await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
          for (let n = w; n < more; n += WRITERS) {
            const stream = `subject-${TENANT}-big-${n % rebuildStreams}-${Math.floor(n / rebuildStreams)}`;
            await ours.append(stream, Array.from({ length: 100 }, (_, i) => preferenceEvent(`big${n}`, i, at)), -1);
          }
        }));
        const started = now();
        const { events } = await rebuilder.rebuild(streamStats);
        fullRebuild = { events, perSecond: events / ((now() - started) / 1000) };
        ctx.log(`  ours rebuilt ${events.toLocaleString('en-US')} events at ${Math.round(fullRebuild.perSecond)} events/s`);
      }

      const pick = <T,>(runs: Map<string, T[]>, name: string, f: (t: T) => number) => series(name, runs.get(name)!.map(f));
      const allLatencies = (name: string): LatencyProfile => {
        const runs = appendRuns.get(name)!;
        return { name, p50: series('', runs.map((r) => r.p50)).median, p90: series('', runs.map((r) => r.p90)).median, p99: series('', runs.map((r) => r.p99)).median, max: Math.max(...runs.map((r) => r.max)) };
      };
      return {
        name: 'event-store',
        title: 'Event store vs Emmett (PostgreSQL)',
        method: `Same database, same server, synchronous_commit on; both stores on a pg pool of ${WRITERS}. Events are real PreferenceSet domain events (~400 B). ` +
          `Appends: ${WRITERS} writers, each on its own stream with an expected revision, ${sizes.appendMs / 1000} s per round. ` +
          `Batches: 100 events per append, ${sizes.batchMs / 1000} s per round. Read + fold: ${WRITERS} readers, random 100-event streams folded with the subject decider's evolve. ` +
          `Rebuild: ${ourTotal.toLocaleString('en-US')} events on 1,024 streams into a per-stream counter table, the same upsert for each: ours = ProjectionRebuilder (fresh tables, replay in batches of 2,000, swap), ` +
          `Emmett = rebuildPostgreSQLProjections with a raw batch SQL projection (pulling batch 2,000), naive = one INSERT per event (pages of 1,000 per transaction) over the first ${sizes.naiveEvents.toLocaleString('en-US')} events.`,
        sizes: { writers: WRITERS, appendSeconds: sizes.appendMs / 1000, batchSeconds: sizes.batchMs / 1000, rebuildEvents: ourTotal, naiveEvents: sizes.naiveEvents, rounds: ctx.rounds, rebuildRounds: sizes.rebuildRounds },
        figures: [
          figure({ id: 'append-throughput', label: 'Appends, 1 event each, 16 writers', unit: 'appends/s', higherIsBetter: true,
            ours: pick(appendRuns, 'ours', (r) => r.perSecond), baseline: pick(appendRuns, 'emmett', (r) => r.perSecond), target: { ratio: 1.0, stretch: 1.5 } }),
          figure({ id: 'append-p99', label: 'Append latency p99, 16 writers', unit: 'ms', higherIsBetter: false,
            ours: pick(appendRuns, 'ours', (r) => r.p99), baseline: pick(appendRuns, 'emmett', (r) => r.p99), target: { ratio: 1.0 } }),
          figure({ id: 'batch-throughput', label: 'Batch appends, 100 events each, 16 writers', unit: 'events/s', higherIsBetter: true,
            ours: pick(batchRuns, 'ours', (r) => r), baseline: pick(batchRuns, 'emmett', (r) => r), target: { ratio: 1.0 } }),
          figure({ id: 'read-fold', label: 'Read + fold a 100-event stream, 16 readers', unit: 'folds/s', higherIsBetter: true,
            ours: pick(foldRuns, 'ours', (r) => r.perSecond), baseline: pick(foldRuns, 'emmett', (r) => r.perSecond), target: { ratio: 1.0 } }),
          figure({ id: 'read-fold-p99', label: 'Read + fold latency p99', unit: 'ms', higherIsBetter: false,
            ours: pick(foldRuns, 'ours', (r) => r.p99), baseline: pick(foldRuns, 'emmett', (r) => r.p99) }),
          figure({ id: 'rebuild', label: `Projection rebuild (${ourTotal.toLocaleString('en-US')} events) vs Emmett`, unit: 'events/s', higherIsBetter: true,
            ours: pick(rebuildRuns, 'ours', (r) => r), baseline: pick(rebuildRuns, 'emmett', (r) => r), target: { ratio: 1.0 } }),
          figure({ id: 'rebuild-naive', label: 'Projection rebuild vs naive one-query-per-event loop', unit: 'events/s', higherIsBetter: true,
            ours: pick(rebuildRuns, 'ours', (r) => r), baseline: pick(rebuildRuns, 'naive', (r) => r) }),
          ...(fullRebuild ? [figure({ id: 'rebuild-full', label: `Projection rebuild of ${fullRebuild.events.toLocaleString('en-US')} events, ours alone (one run)`,
            unit: 'events/s', higherIsBetter: true, ours: series('ours', [fullRebuild.perSecond]) })] : []),
        ],
        latencies: [{ label: 'Append latency, 1 event per append, 16 writers (median of rounds)', unit: 'ms', profiles: [allLatencies('ours'), allLatencies('emmett')] }],
        profile: {
          of: 'the benchmark process during our last append round (the store runs in it), and the database meanwhile',
          top: summariseProfile(appendProfileDir), areas: profileByArea(appendProfileDir), waits: appendWaits.get('ours'),
        },
        extra: { emmettAppendWaits: appendWaits.get('emmett') },
        notes: [
          `Every rebuild of ours applied all ${ourTotal.toLocaleString('en-US')} events (checked after each round).`,
          ...(emmettApplied.some((n) => n < theirTotal)
            ? [`Emmett's rebuild applied ${emmettApplied.map((n) => n.toLocaleString('en-US')).join(', ')} of its ${theirTotal.toLocaleString('en-US')} events in the successive rounds: ` +
              'its batch reader (readMessagesBatch, 0.42.0) orders by (transaction_id, global_position) but resumes with global_position >= last + 1, so on a log ' +
              'written by concurrent writers (global positions from a sequence interleave across transactions) it skips events. Its throughput above counts only the ' +
              'events it applied.']
            : [`Emmett's rebuild applied all ${theirTotal.toLocaleString('en-US')} events in every round.`]),
        ],
      };
    } finally {
      await rebuildStores?.close();
      await main.close();
      await dumbo.endAllPools().catch(() => undefined);
    }
  },
};
