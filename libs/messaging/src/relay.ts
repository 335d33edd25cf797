import type { EventStore, RecordedEvent } from '@app/event-store';
import { Pause, sleep } from '@app/platform';
import type { Database } from '@app/platform/database';
import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import { type KafkaOutMessage, toCloudEventMessage } from './cloudevents';
import type { Lease } from './lease';
import { messagingStats, RELAY_CHECKPOINT, relayLag, type RelayLag } from './stats';
import { SuppressionStates } from './suppressions';
import { ensureTopics, TOPICS, topicDefinitions, type TopicSettings } from './topics';

interface Prepared { events: RecordedEvent[]; eventMessages: KafkaOutMessage[]; suppressionMessages: KafkaOutMessage[] }

export interface RelayOptions {
  topics: TopicSettings;
  batchSize?: number;
  /** How long to sleep when caught up before reading the log again. */
  idleMs?: number;
  /** How long a standby waits before trying the lease again. */
  leaseRetryMs?: number;
  /** Longest back-off between failed passes (broker or database down). */
  maxBackoffMs?: number;
  /** Fault injection for crash tests: sleep between the broker's acknowledgement and the checkpoint. */
  faultDelayMs?: number;
  checkpointName?: string;
  log?: (level: 'log' | 'warn' | 'error', message: string) => void;
}

/**
 * Follows the global log from its own checkpoint (a row of projection_checkpoints) and publishes every event to
 * consent.ledger.events.v1 as a CloudEvent, and the suppression state of each address or person it touched to
 * consent.suppressions.v1. One pass: read a batch (no transaction) → send it with the idempotent producer → wait for
 * the broker's acknowledgement → move the checkpoint in one short UPDATE (compare-and-set). A crash between the
 * acknowledgement and the UPDATE sends the batch again: at-least-once, with the same ce_id. Only the holder of the
 * lease publishes. While Kafka is down the pass fails and is retried with back-off; commands are never held up.
 */
export class Relay {
  private running = false;
  private loop: Promise<void> | undefined;
  private producer: Producer | undefined;
  private topicsReady = false;
  private readonly pause = new Pause();
  private prefetch: { from: bigint; batch: Promise<Prepared> } | undefined;
  private readonly suppressions: SuppressionStates;
  readonly checkpointName: string;

  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    private readonly kafka: Kafka,
    private readonly lease: Lease,
    private readonly options: RelayOptions,
  ) {
    this.suppressions = new SuppressionStates(store);
    this.checkpointName = options.checkpointName ?? RELAY_CHECKPOINT;
  }

  get leaseHeld(): boolean {
    return this.lease.held;
  }

  async start(): Promise<void> {
    await this.db.query('INSERT INTO projection_checkpoints (name, position) VALUES ($1, 0) ON CONFLICT DO NOTHING', [this.checkpointName]);
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.pause.wake();
    await this.loop;
    await this.disconnect();
    await this.lease.release();
  }

  lag(): Promise<RelayLag> {
    return relayLag(this.db, this.store, this.checkpointName);
  }

  async checkpoint(): Promise<bigint> {
    const [row] = await this.db.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1', [this.checkpointName]);
    return row ? BigInt(row.position) : 0n;
  }

  /**
   * Publishes at most one batch; answers how many events it published. Needs the lease and a connected producer.
   * While the broker acknowledges one batch, the next is read and prepared (never sent before this one's checkpoint).
   */
  async runOnce(): Promise<number> {
    const producer = await this.connect();
    const from = await this.checkpoint();
    const prefetched = this.prefetch;
    this.prefetch = undefined;
    let batch = prefetched && prefetched.from === from ? await prefetched.batch : undefined;
    if (!batch || batch.events.length === 0) batch = await this.prepare(from);
    if (batch.events.length === 0) return 0;
    const to = batch.events[batch.events.length - 1].position;
    const next = this.prepare(to);
    next.catch(() => undefined); // awaited by the next pass, or dropped after a failure
    this.prefetch = { from: to, batch: next };
    await this.publish(producer, batch);
    if (this.options.faultDelayMs) await sleep(this.options.faultDelayMs);
    const moved = await this.db.query(
      'UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE name = $1 AND position = $3 RETURNING name',
      [this.checkpointName, to.toString(), from.toString()]);
    if (moved.length === 0) this.options.log?.('warn', 'relay checkpoint moved by another instance; reading again');
    return batch.events.length;
  }

  /** Reads the batch after `from` and builds its messages (the suppression states fold in order, batch after batch). */
  private async prepare(from: bigint): Promise<Prepared> {
    const events = await this.store.readAll({ fromPosition: from, maxCount: this.options.batchSize ?? 1000 });
    if (events.length === 0) return { events, eventMessages: [], suppressionMessages: [] };
    return { events, eventMessages: events.map(toCloudEventMessage), suppressionMessages: await this.suppressions.messages(events) };
  }

  private async publish(producer: Producer, { eventMessages, suppressionMessages }: Prepared): Promise<void> {
    await producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [
        { topic: TOPICS.events, messages: eventMessages },
        ...(suppressionMessages.length > 0 ? [{ topic: TOPICS.suppressions, messages: suppressionMessages }] : []),
      ],
    });
    messagingStats.countPublished(TOPICS.events, eventMessages.length);
    if (suppressionMessages.length > 0) messagingStats.countPublished(TOPICS.suppressions, suppressionMessages.length);
  }

  private async connect(): Promise<Producer> {
    if (!this.topicsReady) {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        const created = await ensureTopics(admin, topicDefinitions(this.options.topics));
        if (created.length > 0) this.options.log?.('log', `created topics ${created.join(', ')}`);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      this.topicsReady = true;
    }
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Bounded: a send that cannot reach the broker fails, and the loop resends from the checkpoint.
        retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
      });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  private async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.disconnect().catch(() => undefined);
  }

  private async run(): Promise<void> {
    let failures = 0;
    let holding = false;
    while (this.running) {
      try {
        if (!this.lease.held) {
          if (holding) {
            holding = false;
            this.options.log?.('warn', 'relay lease lost; publishing stopped until it is held again');
            await this.disconnect();
          }
          if (!(await this.lease.acquire())) {
            await this.pause.wait(this.options.leaseRetryMs ?? 1000);
            continue;
          }
          holding = true;
          this.prefetch = undefined;
          this.suppressions.clear();
          this.options.log?.('log', 'relay lease acquired; publishing');
        }
        const published = await this.runOnce();
        if (failures > 0) this.options.log?.('log', `relay publishing again after ${failures} failed attempt(s)`);
        failures = 0;
        if (published === 0) await this.pause.wait(this.options.idleMs ?? 20);
      } catch (error) {
        if (!this.running) return;
        failures++;
        messagingStats.relayErrors++;
        if (failures === 1 || failures % 20 === 0) {
          this.options.log?.('warn', `relay pass failed (attempt ${failures}), retrying: ${error instanceof Error ? error.message : String(error)}`);
        }
        this.prefetch = undefined;
        this.suppressions.clear();
        await this.disconnect();
        await this.pause.wait(Math.min(this.options.maxBackoffMs ?? 2000, 100 * 2 ** Math.min(failures, 10)));
      }
    }
  }
}
