import { createHash } from 'node:crypto';
import {
  contactDecider, contactKeyOf, contactStreamId, type DomainError, normaliseEmail, normalisePhone, subjectDecider,
  subjectStreamId,
} from '@app/domain';
import { IdempotencyKeyReusedError } from '@app/event-store';
import type { Queryable } from '@app/platform/database';
import type { Consumer, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { type InboundMessage, parseInbound } from './inbound';
import { messagingStats } from './stats';
import { ensureTopics, TOPICS, topicDefinitions, type TopicSettings } from './topics';

/** The write path, as the ingest role needs it (LedgerStreams.execute / now). */
export interface CommandExecutor {
  execute(decider: unknown, streamId: string, command: unknown, meta: IngestMeta): Promise<{ ok: true; appended: boolean } | { ok: false; error: DomainError }>;
  now(): Date;
}

export interface IngestMeta {
  tenantId: string;
  actor: string;
  correlationId: string;
  idempotency?: { key: string; requestHash: string };
}

export type IngestOutcome = { outcome: 'applied' | 'unchanged' } | { outcome: 'dlq'; reason: string };

/** One command of an inbound message: the decider, the stream, the command, and the stream's idempotency key. */
interface Planned { decider: unknown; streamId: string; command: unknown; key: string }

/** Header names on consent.inbound.dlq.v1 (besides the original message's own headers). */
export const DLQ_HEADERS = {
  reason: 'dlq_reason',
  topic: 'dlq_source_topic',
  partition: 'dlq_source_partition',
  offset: 'dlq_source_offset',
  at: 'dlq_at',
} as const;

/**
 * Turns inbound messages into commands and appends them through the write path. Idempotent by message id: the id
 * (with the tenant and the stream) is the event store's idempotency key, so a redelivered message appends nothing.
 */
export class InboundHandler {
  constructor(private readonly executor: CommandExecutor, private readonly db: Queryable) {}

  async handle(value: Buffer | string | null): Promise<IngestOutcome> {
    const parsed = parseInbound(value);
    if (!parsed.ok) return { outcome: 'dlq', reason: parsed.reason };
    const message = parsed.message;
    const planned = await this.plan(message);
    if ('reason' in planned) return { outcome: 'dlq', reason: planned.reason };
    const requestHash = createHash('sha256').update(value ?? '').digest('hex');
    let appended = false;
    for (const step of planned) {
      const meta: IngestMeta = {
        tenantId: message.tenantId, actor: `kafka:${message.type}`, correlationId: message.id,
        idempotency: { key: step.key, requestHash },
      };
      let result;
      try {
        result = await this.executor.execute(step.decider, step.streamId, step.command, meta);
      } catch (error) {
        if (error instanceof IdempotencyKeyReusedError) return { outcome: 'dlq', reason: 'message id already used by a different message' };
        throw error;
      }
      if (!result.ok) {
        const field = (result.error as { field?: unknown }).field;
        return { outcome: 'dlq', reason: `rejected: ${result.error.code}${typeof field === 'string' ? ` (${field})` : ''}` };
      }
      appended ||= result.appended;
    }
    return { outcome: appended ? 'applied' : 'unchanged' };
  }

  private async plan(message: InboundMessage): Promise<Planned[] | { reason: string }> {
    const key = (suffix = '') => `kafka-inbound:${message.tenantId}:${message.id}${suffix}`;
    switch (message.type) {
      case 'unsubscribe':
      case 'spam-complaint':
      case 'hard-bounce':
      case 'opt-in': {
        const { contact } = message;
        let value: string | undefined;
        if (contact.value !== undefined) {
          const normalised = contact.type === 'email' ? normaliseEmail(contact.value) : normalisePhone(contact.value);
          if (normalised === null) return { reason: `invalid: contact.value (not ${contact.type === 'email' ? 'an email address' : 'a phone number in E.164'})` };
          value = normalised;
        }
        const contactKey = value !== undefined ? contactKeyOf(value) : contact.key!;
        const bounce = message.type === 'hard-bounce';
        const scope = {
          purpose: bounce ? '*' : message.purpose ?? 'marketing',
          channel: bounce ? '*' : message.channel ?? (contact.type === 'email' ? 'email' : 'sms'),
        };
        const common = { contactType: contact.type, value, contactKey, ...scope, occurredAt: message.occurredAt };
        const command = message.type === 'opt-in'
          ? { type: 'OptInContact', ...common, source: message.source }
          : { type: 'OptOutContact', ...common, source: bounce ? 'bounce' : message.type === 'spam-complaint' ? 'esp-complaint' : 'esp-unsubscribe' };
        return [{ decider: contactDecider, streamId: contactStreamId(message.tenantId, contactKey), command, key: key() }];
      }
      case 'sms': {
        const from = normalisePhone(message.from);
        if (from === null) return { reason: 'invalid: from (not a phone number in E.164)' };
        const contactKey = contactKeyOf(from);
        return [{
          decider: contactDecider,
          streamId: contactStreamId(message.tenantId, contactKey),
          command: {
            type: 'RecordInboundSms', from, contactKey, body: message.body,
            receivedAt: message.receivedAt ?? this.executor.now().toISOString(),
            inReplyTo: message.inReplyTo ? { purpose: message.inReplyTo.purpose } : null,
          },
          key: key(),
        }];
      }
      case 'expiration-event': {
        const occurredAt = message.occurredAt ?? this.executor.now().toISOString();
        const subjects = message.subjectId ? [message.subjectId] : await this.subjectsNaming(message.tenantId, message.event);
        return subjects.map((subjectId) => ({
          decider: subjectDecider,
          streamId: subjectStreamId(message.tenantId, subjectId),
          command: { type: 'RecordExpirationEvent', event: message.event, occurredAt },
          key: key(message.subjectId ? '' : `:${subjectId}`),
        }));
      }
    }
  }

  /** Subjects with an authorization naming the event and not ended, from the expiring-authorizations read model. */
  private async subjectsNaming(tenantId: string, event: string): Promise<string[]> {
    const rows = await this.db.query<{ subject_id: string }>(
      'SELECT DISTINCT subject_id FROM rm_authorizations WHERE tenant_id = $1 AND expiration_event = $2 AND ended_at IS NULL ORDER BY subject_id',
      [tenantId, event]);
    return rows.map((r) => r.subject_id);
  }
}

export interface IngestOptions {
  topics: TopicSettings;
  groupId: string;
  /** Longest back-off between failed starts (broker down). */
  maxBackoffMs?: number;
  log?: (level: 'log' | 'warn' | 'error', message: string) => void;
}

/**
 * The ingest consumer: a consumer group on consent.inbound.v1 with auto-commit off. Each message is handled, and its
 * offset committed only after the command is durable (appended) or the message is in the DLQ. A failure that is not
 * the message's fault (database or broker down) throws: kafkajs seeks back and delivers the message again.
 */
export class IngestConsumer {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private running = false;
  private starting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly kafka: Kafka, private readonly handler: InboundHandler, private readonly options: IngestOptions) {}

  async start(): Promise<void> {
    this.running = true;
    this.starting = this.startWithRetry();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.starting?.catch(() => undefined);
    await this.teardown();
  }

  /** Resolves once the consumer has joined its group (for tests). */
  async ready(): Promise<void> {
    await this.starting;
  }

  private async startWithRetry(): Promise<void> {
    for (let attempt = 1; this.running; attempt++) {
      try {
        await this.connect();
        return;
      } catch (error) {
        await this.teardown();
        if (!this.running) return;
        if (attempt === 1 || attempt % 20 === 0) {
          this.options.log?.('warn', `ingest could not start (attempt ${attempt}), retrying: ${error instanceof Error ? error.message : String(error)}`);
        }
        await new Promise<void>((resolve) => (this.timer = setTimeout(resolve, Math.min(this.options.maxBackoffMs ?? 2000, 100 * 2 ** Math.min(attempt, 10)))));
      }
    }
  }

  private async connect(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, topicDefinitions(this.options.topics).filter((d) => d.topic === TOPICS.inbound || d.topic === TOPICS.inboundDlq));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.producer = producer;
    await producer.connect();
    const consumer = this.kafka.consumer({ groupId: this.options.groupId, allowAutoTopicCreation: false, sessionTimeout: 30_000, heartbeatInterval: 3000 });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // kafkajs restarts the consumer itself after a retriable failure; otherwise start again from scratch.
      if (payload.restart || !this.running) return;
      this.options.log?.('warn', `ingest consumer stopped (${payload.error?.message ?? 'unknown error'}); starting it again`);
      void this.teardown().then(() => {
        if (this.running) this.starting = this.startWithRetry();
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.inbound, fromBeginning: true });
    let joined!: () => void;
    const groupJoined = new Promise<void>((resolve) => (joined = resolve));
    const off = consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        await this.process(topic, partition, message);
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([groupJoined, new Promise((resolve) => (timer = setTimeout(resolve, 30_000)))]);
    clearTimeout(timer);
    off();
    this.options.log?.('log', `ingest consuming ${TOPICS.inbound} as group ${this.options.groupId}`);
  }

  private async process(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    let result: IngestOutcome;
    try {
      result = await this.handler.handle(message.value);
    } catch (error) {
      messagingStats.ingestErrors++;
      this.options.log?.('warn', `ingest failed at ${topic}/${partition}@${message.offset}, will retry: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
    if (result.outcome === 'dlq') {
      await this.producer!.send({
        topic: TOPICS.inboundDlq,
        acks: -1,
        messages: [{
          key: message.key,
          value: message.value,
          headers: {
            ...(message.headers as IHeaders),
            [DLQ_HEADERS.reason]: result.reason,
            [DLQ_HEADERS.topic]: topic,
            [DLQ_HEADERS.partition]: String(partition),
            [DLQ_HEADERS.offset]: message.offset,
            [DLQ_HEADERS.at]: new Date().toISOString(),
          },
        }],
      });
      messagingStats.dlq++;
      this.options.log?.('warn', `inbound message ${topic}/${partition}@${message.offset} sent to ${TOPICS.inboundDlq}: ${result.reason}`);
    }
    messagingStats.countIngested(result.outcome);
  }

  private async teardown(): Promise<void> {
    const consumer = this.consumer;
    const producer = this.producer;
    this.consumer = undefined;
    this.producer = undefined;
    if (consumer) await consumer.disconnect().catch(() => undefined);
    if (producer) await producer.disconnect().catch(() => undefined);
  }
}
