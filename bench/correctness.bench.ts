/**
 * bench correctness: the "positions never skip" rule under load. 32 writers append (10 events per append) while a
 * delay is injected inside each append's transaction (PostgresEventStore's beforeCommit hook), so transactions commit
 * out of position order; a projector (our Projector runtime) follows the log meanwhile. At the end every event must
 * have been applied exactly once. The same harness with a naive position-only reader (`WHERE position > $last ORDER BY
 * position`, no snapshot-xmin bound) must show misses: the check can fail.
 */
import type { EventStore, Position, RecordedEvent } from '@app/event-store';
import { PostgresEventStore } from '@app/event-store';
import { migrate, PgDatabase } from '@app/platform/database';
import { CHECKPOINTS_MIGRATION, type Projection, Projector } from '@app/projections';
import { type Benchmark, type BenchContext, type BenchResult, figure, now, series, sleep } from './lib/harness';
import { preferenceEvent, TENANT } from './lib/events';

const WRITERS = 32;
const PER_APPEND = 25;

interface Outcome { events: number; applied: number; missed: number; duplicates: number; seconds: number; eventsPerSecond: number }

/** The reader a naive projector would write: position order, no bound on transactions still running. */
function naiveReader(db: PgDatabase, store: EventStore): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'readAll') return Reflect.get(target, property, receiver);
      return async ({ fromPosition, maxCount }: { fromPosition?: Position; maxCount: number }): Promise<RecordedEvent[]> => {
        const rows = await db.query<{ position: string; id: string; stream_id: string }>(
          'SELECT position::text AS position, id::text AS id, stream_id FROM ledger_events WHERE position > $1::bigint ORDER BY ledger_events.position LIMIT $2',
          [(fromPosition ?? 0n).toString(), maxCount]);
        return rows.map((r) => ({ id: r.id, streamId: r.stream_id, position: BigInt(r.position) }) as RecordedEvent);
      };
    },
  });
}

async function trial(ctx: BenchContext, reader: 'ours' | 'naive', events: number, maxDelayMs: number): Promise<Outcome> {
  const database = await ctx.database();
  const db = new PgDatabase(database.url, { max: WRITERS + 4, applicationName: `bench-correctness-${reader}` });
  try {
    await migrate(db, [CHECKPOINTS_MIGRATION]);
    const store = await PostgresEventStore.create(db, {
      // Hold the transaction open for a random while after the events are written: commits land out of position order.
      beforeCommit: async () => { await sleep(Math.random() * maxDelayMs); },
    });
    const seen = new Map<string, number>();
    const probe: Projection = {
      name: `correctness-${reader}`,
      version: 1,
      tables: [],
      createSql: () => 'SELECT 1',
      async apply(_tx, batch) {
        for (const e of batch) seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
      },
    };
    const followed = reader === 'ours' ? store : naiveReader(db, store);
    // Large batches and a short idle keep the projector at the head of the log, inside the window where transactions
    // are still committing: a reader that lags far behind only ever reads finished ranges and could never miss.
    const projector = new Projector(db, followed, [probe], { batchSize: 5000, idleMs: 1 });
    await projector.start();
    const at = new Date().toISOString();
    const appends = Math.ceil(events / PER_APPEND);
    const revisions = new Map<number, number>();
    const started = now();
    // Each worker owns the streams congruent to it, so its expected revisions are its own to track.
    await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
      for (let n = w; n < appends; n += WRITERS) {
        const s = w + WRITERS * (Math.floor(n / WRITERS) % 4);
        const expected = revisions.get(s) ?? -1;
        await store.append(`subject-${TENANT}-c-${s}`, Array.from({ length: PER_APPEND }, (_, i) => preferenceEvent(`c${s}`, i, at)),
          { expectedRevision: expected < 0 ? 'no-stream' : expected });
        revisions.set(s, expected + PER_APPEND);
      }
    }));
    const seconds = (now() - started) / 1000;
    // Let the projector reach the last position written, then stop it.
    const [{ head }] = await db.query<{ head: string }>('SELECT max(position)::text AS head FROM ledger_events');
    const deadline = Date.now() + 120_000;
    while ((await projector.checkpoint(probe.name)) < BigInt(head) && Date.now() < deadline) await sleep(20);
    await projector.stop();
    const [{ total }] = await db.query<{ total: string }>('SELECT count(*)::text AS total FROM ledger_events');
    let duplicates = 0;
    for (const count of seen.values()) if (count > 1) duplicates += count - 1;
    const outcome = { events: Number(total), applied: seen.size, missed: Number(total) - seen.size, duplicates, seconds, eventsPerSecond: Number(total) / seconds };
    ctx.log(`  ${reader} reader: ${outcome.events} events written in ${seconds.toFixed(1)} s, ${outcome.applied} applied, ${outcome.missed} missed, ${duplicates} applied twice`);
    return outcome;
  } finally {
    await db.close();
    await database.drop();
  }
}

export const correctnessBenchmark: Benchmark = {
  name: 'correctness',
  title: 'Correctness under load',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const sizes = ctx.smoke ? { events: 3_000, naiveEvents: 3_000, maxDelayMs: 10 } : { events: ctx.size(1_000_000), naiveEvents: ctx.size(100_000), maxDelayMs: 10 };
    ctx.log(`${WRITERS} writers, ${PER_APPEND} events per append, up to ${sizes.maxDelayMs} ms delay before each commit`);
    const ours = await trial(ctx, 'ours', sizes.events, sizes.maxDelayMs);
    const naive = await trial(ctx, 'naive', sizes.naiveEvents, sizes.maxDelayMs);
    return {
      name: 'correctness',
      title: 'Correctness under load: no event missed or applied twice',
      method: `${WRITERS} concurrent writers append ${PER_APPEND} events per append to ${WRITERS * 4} streams; inside each append's transaction, after ` +
        `the rows are written, a random delay of 0-${sizes.maxDelayMs} ms (PostgresEventStore's beforeCommit hook) makes transactions commit out of position order. ` +
        `Meanwhile our Projector runtime follows the log (batches of up to 5,000, 1 ms idle, checkpoint in the same transaction) with a projection that counts each event id. ` +
        `After the writers finish and the projector reaches the last position, applied ids are compared with the table. The same harness then runs with the ` +
        `projector reading through a naive position-only query (no snapshot-xmin bound) on ${sizes.naiveEvents.toLocaleString('en-US')} events.`,
      sizes: { writers: WRITERS, eventsPerAppend: PER_APPEND, events: ours.events, naiveEvents: naive.events, maxDelayMs: sizes.maxDelayMs },
      figures: [
        figure({ id: 'correctness-throughput', label: 'Events written per second meanwhile, 32 writers with the injected delay (our reader following)', unit: 'events/s',
          higherIsBetter: true, ours: series('ours', [ours.eventsPerSecond]) }),
      ],
      checks: [
        { label: 'our reader: zero events missed', passed: ours.missed === 0, detail: `${ours.missed} of ${ours.events} missed` },
        { label: 'our reader: zero events applied twice', passed: ours.duplicates === 0, detail: `${ours.duplicates} applied twice` },
        { label: 'naive position-only reader shows misses (the check can fail)', passed: ctx.smoke || naive.missed > 0,
          detail: `${naive.missed} of ${naive.events} missed${ctx.smoke && naive.missed === 0 ? ' (smoke size: not required)' : ''}` },
      ],
      notes: [],
    };
  },
};
