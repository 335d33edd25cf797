import { randomUUID } from 'node:crypto';
import {
  BACKWARDS, END, FORWARDS, jsonEvent, KurrentDBClient, START, streamNameFilter, type AllStreamResolvedEvent,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import type {
  AppendOptions, AppendResult, EventStore, NewEvent, Position, RecordedEvent, SubscribeOptions, Subscription, VerifyResult,
} from '../event-store';
import { WrongExpectedRevisionError } from '../errors';
import { canonicalJson, sha256Hex } from '../hash-chain';
import {
  answerRepeat, chainEvents, chainOf, checkChainLink, checkTenant, decodePosition, derivedEventId, IDEMPOTENCY_EVENT_TYPE,
  idempotencyStreamId, type IdempotencyRecord, LEDGER_STREAMS_REGEX, satisfies, serverExpectedState, type ServerRecordedEvent,
  toRecordedEvent, translateError, validateExpected,
} from './mapping';

export interface EventStoreDbOptions {
  /** Events per read while reading `$all`. Default 500. */
  batchSize?: number;
  /** Appends retried after a concurrent writer when the caller expected 'any'. Default 20. */
  maxAnyRetries?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The EventStore port on EventStoreDB / KurrentDB (`@kurrent/kurrentdb-client`). Streams and revisions are the
 * server's; the global position is the server's log position encoded in one bigint (mapping.ts); `$all` reads and the
 * catch-up subscription are filtered to the ledger's streams; the hash chain travels in each event's metadata; an
 * idempotency key is recorded in a stream of its own, with event ids derived from the key so that a retry finds its
 * own events. See libs/event-store/README.md.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly batchSize: number;
  private readonly maxAnyRetries: number;

  constructor(readonly client: KurrentDBClient, options: EventStoreDbOptions = {}) {
    this.batchSize = options.batchSize ?? 500;
    this.maxAnyRetries = options.maxAnyRetries ?? 20;
  }

  static connect(connectionString: string, options?: EventStoreDbOptions): EventStoreDbEventStore {
    return new EventStoreDbEventStore(KurrentDBClient.connectionString(connectionString), options);
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  async append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (typeof streamId !== 'string' || streamId.length === 0) throw new TypeError('streamId must be a non-empty string');
    const expected = validateExpected(options.expectedRevision);
    for (const event of events) {
      if (typeof event.metadata?.tenantId !== 'string' || event.metadata.tenantId.length === 0) throw new TypeError('metadata.tenantId is required');
      if (typeof event.type !== 'string' || event.type.length === 0) throw new TypeError('event type is required');
      if (event.id !== undefined && !UUID.test(event.id.toLowerCase())) throw new TypeError(`event id must be a uuid: ${event.id}`);
    }
    const key = options.idempotencyKey;
    if (key === undefined || events.length === 0) {
      return this.appendChained(streamId, events.map((e) => ({ ...e, id: (e.id ?? randomUUID()).toLowerCase() })), expected);
    }

    const requestHash = options.requestHash ?? sha256Hex(canonicalJson({ streamId, events: events.map(({ type, data }) => ({ type, data })) }));
    const keyStream = idempotencyStreamId(key);
    const recorded = await this.readIdempotency(keyStream);
    if (recorded) return answerRepeat(key, recorded, requestHash);

    const withIds = events.map((e, i) => ({ ...e, id: (e.id ?? derivedEventId(key, streamId, i)).toLowerCase() }));
    // A request with this key that appended and then died (or lost a race) before recording the key left its events
    // in the stream: find them rather than append twice.
    const appendedBefore = async (): Promise<AppendResult | undefined> => {
      const existing = await this.readStreamEvents(streamId);
      const first = existing.find((e) => e.id === withIds[0].id);
      if (!first) return undefined;
      const chain = chainOf(first);
      if (chain?.requestHash !== undefined && chain.requestHash !== requestHash) {
        return answerRepeat(key, { requestHash: chain.requestHash, streamId, nextRevision: 0, position: '0' }, requestHash);
      }
      const last = existing.find((e) => e.id === withIds[withIds.length - 1].id) ?? first;
      return { nextRevision: Number(last.revision), position: toRecordedEvent(last).position, duplicate: true };
    };
    const result = (await appendedBefore()) ?? await this.appendChained(streamId, withIds, expected, requestHash, appendedBefore);
    const record: IdempotencyRecord = { requestHash, streamId, nextRevision: result.nextRevision, position: result.position.toString() };
    try {
      await this.client.appendToStream(keyStream, jsonEvent({ type: IDEMPOTENCY_EVENT_TYPE, data: { ...record } }), { streamState: 'no_stream' });
      return result;
    } catch (error) {
      // A concurrent request with the same key recorded it first: answer as its repeat.
      const first = await this.readIdempotency(keyStream);
      if (first) return answerRepeat(key, first, requestHash);
      throw error;
    }
  }

  /** Reads the stream head, checks tenant and expectation, chains and appends at the exact revision read. */
  private async appendChained(
    streamId: string,
    events: (NewEvent & { id: string })[],
    expected: ReturnType<typeof validateExpected>,
    requestHash?: string,
    appendedBefore?: () => Promise<AppendResult | undefined>,
  ): Promise<AppendResult> {
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1 && appendedBefore) {
        const earlier = await appendedBefore();
        if (earlier) return earlier;
      }
      const head = await this.readLast(streamId);
      const observed = head ? Number(head.revision) : -1;
      if (!satisfies(expected, observed)) throw new WrongExpectedRevisionError(streamId, expected, observed);
      if (events.length === 0) {
        return { nextRevision: observed, position: head ? toRecordedEvent(head).position : 0n, duplicate: false };
      }
      checkTenant(streamId, head ? toRecordedEvent(head).metadata.tenantId : undefined, events);
      const chained = chainEvents(streamId, observed, head ? toRecordedEvent(head).hash : null, events, requestHash);
      try {
        await this.client.appendToStream(
          streamId,
          chained.events.map((e) => jsonEvent({ id: e.id, type: e.type, data: e.data as Record<string, unknown>, metadata: e.metadata })),
          { streamState: serverExpectedState(observed) },
        );
      } catch (error) {
        const translated = translateError(error, streamId, expected);
        const retry = expected === 'any' || appendedBefore !== undefined;
        if (translated instanceof WrongExpectedRevisionError && retry && attempt < this.maxAnyRetries) continue;
        throw translated;
      }
      // The append result carries the commit position only; the position of the last event is read back.
      const last = await this.readLast(streamId);
      if (!last || last.id !== events[events.length - 1].id) {
        const mine = (await this.readStreamEvents(streamId)).find((e) => e.id === events[events.length - 1].id);
        if (!mine) throw new Error(`appended events of ${streamId} cannot be read back`);
        return { nextRevision: chained.lastRevision, position: toRecordedEvent(mine).position, duplicate: false };
      }
      return { nextRevision: chained.lastRevision, position: toRecordedEvent(last).position, duplicate: false };
    }
  }

  async readStream(streamId: string, options: { toPosition?: Position } = {}): Promise<RecordedEvent[]> {
    const events = (await this.readStreamEvents(streamId)).map(toRecordedEvent);
    return options.toPosition === undefined ? events : events.filter((e) => e.position <= options.toPosition!);
  }

  async readAll(options: { fromPosition?: Position; maxCount: number }): Promise<RecordedEvent[]> {
    if (!Number.isInteger(options.maxCount) || options.maxCount < 1) throw new RangeError('maxCount must be a positive integer');
    const from = options.fromPosition ?? 0n;
    const out: RecordedEvent[] = [];
    // The server reads from a position inclusively; the port's fromPosition is exclusive.
    const resolved = this.client.readAll({
      fromPosition: from === 0n ? START : decodePosition(from),
      direction: FORWARDS,
      maxCount: options.maxCount + 1,
      filter: streamNameFilter({ regex: LEDGER_STREAMS_REGEX }),
    });
    for await (const item of resolved) {
      const event = fromResolved(item);
      if (!event) continue;
      const recorded = toRecordedEvent(event);
      if (recorded.position <= from) continue;
      out.push(recorded);
      if (out.length === options.maxCount) break;
    }
    return out;
  }

  async headPosition(): Promise<Position> {
    const resolved = this.client.readAll({
      fromPosition: END, direction: BACKWARDS, maxCount: 1, filter: streamNameFilter({ regex: LEDGER_STREAMS_REGEX }),
    });
    for await (const item of resolved) {
      const event = fromResolved(item);
      if (event) return toRecordedEvent(event).position;
    }
    return 0n;
  }

  subscribeAll(options: SubscribeOptions, handler: (event: RecordedEvent) => Promise<void>): Subscription {
    const from = options.fromPosition ?? 0n;
    const subscription = this.client.subscribeToAll({
      fromPosition: from === 0n ? START : decodePosition(from),
      filter: streamNameFilter({ regex: LEDGER_STREAMS_REGEX }),
    });
    let stopped = false;
    const run = async () => {
      try {
        for await (const item of subscription) {
          if (stopped) return;
          const event = fromResolved(item);
          if (!event) continue;
          const recorded = toRecordedEvent(event);
          if (recorded.position <= from) continue; // a subscription from a position is exclusive; guard anyway
          await handler(recorded);
        }
      } finally {
        await subscription.unsubscribe().catch(() => undefined);
      }
    };
    const done = run();
    return {
      done,
      stop: async () => {
        stopped = true;
        await subscription.unsubscribe().catch(() => undefined);
        await done;
      },
    };
  }

  async verifyChains(options: { streamPrefix?: string; tenantId?: string } = {}): Promise<VerifyResult> {
    const heads = new Map<string, { revision: number; hash: string }>();
    let events = 0;
    let position: Position = 0n;
    const filter = options.streamPrefix
      ? streamNameFilter({ prefixes: [options.streamPrefix] })
      : streamNameFilter({ regex: LEDGER_STREAMS_REGEX });
    for (;;) {
      let read = 0;
      const resolved = this.client.readAll({
        fromPosition: position === 0n ? START : decodePosition(position), direction: FORWARDS, maxCount: this.batchSize + 1, filter,
      });
      for await (const item of resolved) {
        const event = fromResolved(item);
        if (!event || !event.position) continue;
        const recorded = toRecordedEvent(event);
        if (recorded.position <= position) continue;
        read++;
        position = recorded.position;
        if (options.tenantId !== undefined && recorded.metadata.tenantId !== options.tenantId) continue;
        const check = checkChainLink(heads.get(event.streamId), event);
        if (!check.ok) return { ok: false, streamId: event.streamId, revision: check.revision, reason: check.reason };
        heads.set(event.streamId, check.state);
        events++;
      }
      if (read === 0) break;
    }
    return { ok: true, streams: heads.size, events };
  }

  private async readIdempotency(keyStream: string): Promise<IdempotencyRecord | undefined> {
    const [first] = await this.readRaw(keyStream, FORWARDS, 1);
    return first ? (first.data as IdempotencyRecord) : undefined;
  }

  private async readLast(streamId: string): Promise<ServerRecordedEvent | undefined> {
    const [last] = await this.readRaw(streamId, BACKWARDS, 1);
    return last;
  }

  private readStreamEvents(streamId: string): Promise<ServerRecordedEvent[]> {
    return this.readRaw(streamId, FORWARDS);
  }

  private async readRaw(streamId: string, direction: typeof FORWARDS | typeof BACKWARDS, maxCount?: number): Promise<ServerRecordedEvent[]> {
    const out: ServerRecordedEvent[] = [];
    try {
      const resolved = this.client.readStream(streamId, {
        direction, fromRevision: direction === FORWARDS ? START : END, ...(maxCount ? { maxCount } : {}),
      });
      for await (const item of resolved) {
        const event = fromResolved(item);
        if (event) out.push(event);
      }
    } catch (error) {
      if ((error as { type?: string }).type === 'stream-not-found') return [];
      throw error;
    }
    return out;
  }
}

function fromResolved(item: ResolvedEvent | AllStreamResolvedEvent): ServerRecordedEvent | undefined {
  const event = item.event;
  if (!event || !event.isJson) return undefined;
  return {
    streamId: event.streamId, id: event.id, revision: event.revision, type: event.type, created: event.created,
    data: event.data, metadata: event.metadata, position: event.position,
  };
}
