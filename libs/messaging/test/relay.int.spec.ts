import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { contactKeyOf, subjectStreamId } from '@app/domain';
import type { RecordedEvent } from '@app/event-store';
import { fromCloudEventMessage, type ReceivedCloudEvent, RELAY_CHECKPOINT, TOPICS } from '@app/messaging';
import type { Database } from '@app/platform/database';
import { LedgerStreams } from '../../../apps/ledger-api/src/ledger/ledger-streams';
import { DATABASE } from '../../../apps/ledger-api/src/ledger/tokens';
import { randomHistory } from '../../../test/support/history';
import { type KafkaBroker, startKafka } from '../../../test/support/kafka/broker';
import { startLedger, type TestLedger } from '../../../test/support/ledger';
import { readTopic, until } from './support/kafka';

const ROOT = join(__dirname, '..', '..', '..');

async function eventsOf(ledger: TestLedger, tenant: string): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  let from: bigint | undefined;
  for (;;) {
    const page = await ledger.store.readAll({ fromPosition: from, maxCount: 1000 });
    out.push(...page.filter((e) => e.metadata.tenantId === tenant));
    if (page.length < 1000) return out;
    from = page[page.length - 1].position;
  }
}

async function checkpoint(db: Database): Promise<bigint> {
  const [row] = await db.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1', [RELAY_CHECKPOINT]);
  return row ? BigInt(row.position) : 0n;
}

/** The last committed position, read from the table: the readers' head may lag it while another session holds a transaction. */
async function lastPosition(db: Database): Promise<bigint> {
  const [row] = await db.query<{ last: string | null }>('SELECT max(position) AS last FROM ledger_events');
  return BigInt(row?.last ?? 0);
}

async function caughtUp(ledger: TestLedger, db: Database, timeoutMs = 60_000): Promise<void> {
  const last = await lastPosition(db);
  await until('the relay to pass every committed event', async () => (await checkpoint(db)) >= last, timeoutMs);
}

async function published(brokers: string, tenant: string): Promise<ReceivedCloudEvent[]> {
  return (await readTopic(brokers, TOPICS.events)).map((m) => ({ ...fromCloudEventMessage(m), partition: m.partition }))
    .filter((e) => e.tenant === tenant);
}

/** Each stream's events appear in revision order (a duplicate may only repeat an event already seen). */
function expectStreamOrder(events: ReceivedCloudEvent[]): void {
  const next = new Map<string, number>();
  for (const e of events) {
    const revision = Number(e.streamrevision);
    const expected = next.get(e.subject) ?? 0;
    expect(revision).toBeLessThanOrEqual(expected);
    if (revision === expected) next.set(e.subject, expected + 1);
  }
}

function ids(events: { id: string }[]): string[] {
  return events.map((e) => e.id).sort();
}

describe('Kafka relay (real broker)', () => {
  let broker: KafkaBroker;
  beforeAll(async () => {
    broker = await startKafka();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const start = (extra: Record<string, string> = {}) => startLedger({
    backend: 'postgres',
    env: { KAFKA_BROKERS: broker.brokers, LEDGER_ROLES: 'api,relay', KAFKA_TOPIC_PARTITIONS: '3', ...extra },
  });

  it('publishes every appended event exactly once as a CloudEvent, per-subject order preserved, no personal data', async () => {
    const ledger = await start();
    try {
      const db = ledger.app.get<Database>(DATABASE);
      const tenant = 'relay-once';
      const token = await ledger.token(tenant);
      const subjects = Array.from({ length: 8 }, (_, i) => `s${i}`);
      let last = 0n;
      await Promise.all(subjects.map(async (subjectId, i) => {
        const email = `person${i}@example.com`;
        const ok = (r: { status: number; body: { position: string } }) => {
          expect(r.status).toBeLessThan(300);
          if (BigInt(r.body.position) > last) last = BigInt(r.body.position);
        };
        ok(await ledger.request('POST', `/v1/subjects/${subjectId}/contacts`, { token, body: { type: 'email', value: email } }));
        for (let n = 0; n < 6; n++) {
          ok(await ledger.request('PUT', `/v1/subjects/${subjectId}/preferences`, {
            token, body: { purpose: n % 2 ? 'marketing' : 'research', channel: 'email', choice: n % 3 ? 'opt-out' : 'opt-in', source: 'portal' },
          }));
          ok(await ledger.request('POST', `/v1/contacts/${n % 2 ? 'opt-out' : 'opt-in'}`, {
            token, body: { type: 'email', value: email, purpose: 'marketing', channel: 'email', source: n % 2 ? 'one-click' : 'double-opt-in' },
          }));
        }
      }));
      await until('every command to be visible to readers', async () => (await ledger.store.headPosition()) >= last);
      const expected = await eventsOf(ledger, tenant);
      expect(expected.length).toBeGreaterThanOrEqual(8 * 10);
      await caughtUp(ledger, db);

      const events = await published(broker.brokers, tenant);
      expect(ids(events)).toEqual(ids(expected));
      expectStreamOrder(events);
      const metrics = (await ledger.request('GET', '/metrics')).text;
      expect(metrics).toMatch(/^ledger_relay_lag_positions 0$/m);
      expect(metrics).toMatch(new RegExp(`^ledger_kafka_messages_published_total\\{topic="consent.ledger.events.v1"\\} ${expected.length}$`, 'm'));

      const byId = new Map(expected.map((e) => [e.id, e]));
      for (const e of events) {
        const recorded = byId.get(e.id)!;
        expect(e).toMatchObject({
          specversion: '1.0', type: recorded.type, datacontenttype: 'application/json', tenant,
          source: '/consent-ledger/tenants/relay-once', time: recorded.metadata.recordedAt,
          position: recorded.position.toString(), streamrevision: String(recorded.revision),
        });
        if (recorded.streamId.startsWith(subjectStreamId(tenant, ''))) {
          const subjectId = recorded.streamId.slice(subjectStreamId(tenant, '').length);
          expect(e.key).toBe(`${tenant}:${subjectId}`);
          expect(e.subject).toBe(`subjects/${subjectId}`);
        } else {
          const contactKey = (recorded.data as { contactKey: string }).contactKey;
          expect(e.key).toBe(`${tenant}:${contactKey}`);
          expect(e.subject).toBe(`contacts/${contactKey}`);
        }
      }
      // One person's events share a key, hence a partition.
      const partitions = new Map<string, Set<number>>();
      for (const e of events as (ReceivedCloudEvent & { partition: number })[]) {
        partitions.set(e.key!, (partitions.get(e.key!) ?? new Set()).add(e.partition));
      }
      for (const set of partitions.values()) expect(set.size).toBe(1);
      // The linked address is personal data: the event carries its key, never its value.
      const linked = events.filter((e) => e.type === 'consent.contact-point-linked.v1');
      expect(linked).toHaveLength(8);
      for (const e of linked) {
        expect((e.data as { value: unknown }).value).toBeNull();
        expect(JSON.stringify(e)).not.toContain('@example.com');
      }
      expect(linked.map((e) => (e.data as { contactKey: string }).contactKey).sort())
        .toEqual(subjects.map((_, i) => contactKeyOf(`person${i}@example.com`)).sort());
    } finally {
      await ledger.close();
    }
  });

  it('keeps answering 2xx while the broker is down for 30 seconds, then catches up with nothing missing', async () => {
    const ledger = await start();
    try {
      const db = ledger.app.get<Database>(DATABASE);
      const tenant = 'relay-outage';
      const token = await ledger.token(tenant);
      const command = (n: number) => ledger.request('PUT', `/v1/subjects/s${n % 5}/preferences`, {
        token, body: { purpose: 'marketing', channel: n % 2 ? 'sms' : 'email', choice: n % 3 ? 'opt-out' : 'opt-in', source: 'portal' },
      });
      let last = 0n;
      const run = async (n: number) => {
        const response = await command(n);
        if (response.status === 200 && BigInt(response.body.position) > last) last = BigInt(response.body.position);
        return response.status;
      };
      for (let n = 0; n < 5; n++) expect(await run(n)).toBe(200);
      await caughtUp(ledger, db);

      await broker.stop({ keepData: true });
      const statuses: number[] = [];
      const downUntil = Date.now() + 30_000;
      for (let n = 5; Date.now() < downUntil; n++) {
        statuses.push(await run(n));
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(statuses.length).toBeGreaterThan(50);
      expect(statuses.every((s) => s === 200)).toBe(true);
      // Nothing reached Kafka meanwhile: the relay is behind.
      expect(await checkpoint(db)).toBeLessThan(await ledger.store.headPosition());

      await broker.restart();
      await until('every command to be visible to readers', async () => (await ledger.store.headPosition()) >= last);
      await caughtUp(ledger, db, 90_000);
      const expected = await eventsOf(ledger, tenant);
      const events = await published(broker.brokers, tenant);
      expect([...new Set(ids(events))]).toEqual(ids(expected));
      expectStreamOrder(events);
    } finally {
      await ledger.close();
    }
  });

  it('misses nothing when the relay process is killed (SIGKILL) mid-stream and restarted', async () => {
    const ledger = await startLedger({ backend: 'postgres', env: { LEDGER_ROLES: 'api' } });
    const workers: ChildProcess[] = [];
    try {
      const tenant = 'relay-crash';
      await randomHistory(ledger.app.get(LedgerStreams), ledger.clock, tenant, { seed: 5, events: 1200, subjects: 50 });
      const db = ledger.app.get<Database>(DATABASE);
      const head = await lastPosition(db);
      const startWorker = () => {
        const worker = spawn(process.execPath, ['-r', join(__dirname, 'support', 'register.js'), join(ROOT, 'apps', 'ledger-worker', 'src', 'main.ts')], {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH, DATABASE_URL: ledger.databaseUrl, LEDGER_DATA_DIR: ledger.dataDir, LEDGER_ROLES: 'relay',
            KAFKA_BROKERS: broker.brokers, KAFKA_TOPIC_PARTITIONS: '3', KAFKA_RELAY_BATCH_SIZE: '40', KAFKA_RELAY_FAULT_DELAY_MS: '100',
            LOG_LEVEL: 'error', NODE_NO_WARNINGS: '1', WORKER_METRICS_PORT: '0',
          },
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        workers.push(worker);
        return worker;
      };

      const first = startWorker();
      await until('the relay process to publish part of the log', async () => (await checkpoint(db)) > 0n, 60_000, 20);
      // The fault delay holds each acknowledged batch 100 ms before its checkpoint: a kill now lands inside one.
      await new Promise((r) => setTimeout(r, 150));
      const exited = new Promise((r) => first.once('exit', r));
      first.kill('SIGKILL');
      await exited;
      const atKill = await checkpoint(db);
      expect(atKill).toBeLessThan(head);

      startWorker();
      await until('the restarted relay to reach the head', async () => (await checkpoint(db)) >= head, 90_000);

      const expected = await eventsOf(ledger, tenant);
      const events = await published(broker.brokers, tenant);
      expect([...new Set(ids(events))]).toEqual(ids(expected));
      // Duplicates only from the batch in flight at the kill, with the same ce_id (one batch: at most 40).
      expect(events.length - expected.length).toBeLessThanOrEqual(40);
      expectStreamOrder(events);
    } finally {
      for (const worker of workers) worker.kill('SIGKILL');
      await ledger.close();
    }
  });
});
