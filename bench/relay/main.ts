/**
 * bench/relay: events/s the Kafka relay publishes, and end-to-end latency from commit to a consumer's receipt.
 *
 *   node -r ./libs/messaging/test/support/register.js bench/relay/main.ts [--events 50000] [--rate 1000] [--seconds 10]
 *
 * Starts a real Kafka broker (test/support/kafka) and a fresh database on the local PostgreSQL (DATABASE_URL or
 * postgres://postgres@127.0.0.1:5432/postgres), both removed at the end.
 *  1. throughput: appends N events (10 per subject, valid domain events, so the relay also folds every person's
 *     suppression state), then starts the relay from position 0 and times it to the head.
 *  2. latency: with the relay caught up and a consumer on consent.ledger.events.v1, appends events at a steady rate;
 *     latency = the consumer's receipt of a ce_id minus the moment its append returned (committed).
 */
import { randomUUID } from 'node:crypto';
import { hostname, cpus, totalmem } from 'node:os';
import { PostgresEventStore } from '@app/event-store';
import { createKafka, LocalLease, Relay, TOPICS } from '@app/messaging';
import { migrate } from '@app/platform/database';
import { CHECKPOINTS_MIGRATION } from '@app/projections';
import { logLevel } from 'kafkajs';
import { createTestPgDatabase } from '../../test/support/database';
import { startKafka } from '../../test/support/kafka/broker';
import { preferenceEvent, TENANT } from '../lib/events';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const PER_SUBJECT = 10;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const total = arg('events', 50_000);
  const rate = arg('rate', 1000);
  const seconds = arg('seconds', 10);
  const broker = await startKafka({ heap: '1g' });
  const database = await createTestPgDatabase();
  try {
    await migrate(database.db, [CHECKPOINTS_MIGRATION]);
    const store = await PostgresEventStore.create(database.db);
    const at = new Date().toISOString();
    const subjects = Math.ceil(total / PER_SUBJECT);
    let next = 0;
    const appendOne = async () => {
      for (let s = next++; s < subjects; s = next++) {
        await store.append(`subject-${TENANT}-s${s}`, Array.from({ length: PER_SUBJECT }, (_, n) => preferenceEvent(`s${s}`, n, at)), { expectedRevision: 'no-stream' });
      }
    };
    const loadStart = Date.now();
    await Promise.all(Array.from({ length: 8 }, appendOne));
    process.stderr.write(`appended ${subjects * PER_SUBJECT} events in ${((Date.now() - loadStart) / 1000).toFixed(1)} s\n`);

    const config = { kafkaBrokers: [broker.brokers], kafkaClientId: 'bench' };
    const relay = new Relay(database.db, store, createKafka(config, { role: 'relay' }), new LocalLease(), {
      topics: { partitions: 6, replicationFactor: 1, eventsRetentionMs: -1 }, batchSize: arg('batch', 1000), idleMs: 10,
      log: (level, message) => level !== 'log' && process.stderr.write(`relay ${level}: ${message}\n`),
    });
    const head = await store.headPosition();
    const started = Date.now();
    await relay.start();
    while ((await relay.checkpoint()) < head) await new Promise((r) => setTimeout(r, 20));
    const elapsed = (Date.now() - started) / 1000;
    const throughput = (subjects * PER_SUBJECT) / elapsed;
    process.stderr.write(`throughput: ${subjects * PER_SUBJECT} events in ${elapsed.toFixed(2)} s = ${Math.round(throughput)} events/s\n`);

    // Latency: a consumer already at the end of the topic, then a steady stream of single-event commits.
    const committed = new Map<string, number>();
    const received = new Map<string, number>();
    const consumer = createKafka(config, { overrides: { logLevel: logLevel.NOTHING } }).consumer({ groupId: `bench-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.events, fromBeginning: false });
    let joined!: () => void;
    const ready = new Promise<void>((r) => (joined = r));
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.run({
      eachMessage: async ({ message }) => {
        const id = message.headers?.ce_id?.toString();
        if (id && !received.has(id)) received.set(id, performance.now());
      },
    });
    await ready;
    await new Promise((r) => setTimeout(r, 2000)); // the group's first fetch positions at the end of each partition
    const count = rate * seconds;
    const interval = 1000 / rate;
    const t0 = performance.now();
    const writers: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = t0 + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const event = preferenceEvent(`live${i % 500}`, i, new Date().toISOString());
      writers.push(store.append(`subject-${TENANT}-live${i % 500}`, [event], { expectedRevision: 'any' })
        .then(() => void committed.set(event.id!, performance.now())));
      if (writers.length >= 64) await Promise.all(writers.splice(0));
    }
    await Promise.all(writers);
    const deadline = Date.now() + 30_000;
    const latencies = () => [...committed].filter(([id]) => received.has(id)).map(([id, t]) => received.get(id)! - t);
    while (latencies().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();
    await relay.stop();
    const sorted = latencies().sort((a, b) => a - b);
    const result = {
      date: new Date().toISOString(),
      machine: `${hostname()}: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, Kafka ${broker.version}`,
      throughput: { events: subjects * PER_SUBJECT, seconds: Number(elapsed.toFixed(2)), eventsPerSecond: Math.round(throughput) },
      latency: {
        rate, seconds, received: sorted.length, sent: count,
        p50ms: Number(percentile(sorted, 50).toFixed(1)), p99ms: Number(percentile(sorted, 99).toFixed(1)), maxms: Number(sorted[sorted.length - 1].toFixed(1)),
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await database.drop();
    await broker.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/relay failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
