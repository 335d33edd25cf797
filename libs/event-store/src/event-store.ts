/**
 * The event store port. Positions are bigints inside the process and decimal strings at the
 * edges (HTTP, Kafka, checkpoints); see `positionToString` / `parsePosition`.
 */
export type Position = bigint;

export interface EventMetadata {
  tenantId: string;
  actor?: string;
  correlationId?: string;
  causationId?: string;
  /** When the fact took legal effect. */
  effectiveAt: string;
  /** When the ledger learned of it (the command's clock). */
  recordedAt: string;
  schemaVersion: number;
  [key: string]: unknown;
}

export interface NewEvent {
  /** A uuid; generated when absent. */
  id?: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

export interface RecordedEvent {
  id: string;
  streamId: string;
  /** 0 for the first event of a stream. */
  revision: number;
  position: Position;
  type: string;
  data: any;
  metadata: EventMetadata;
  /** When the store committed it (the store's clock, ISO 8601). */
  recordedAt: string;
  /** SHA-256 (hex) of this event's canonical content and `prevHash`. */
  hash: string;
  prevHash: string | null;
}

/** A number is the revision of the stream's last event; -1 is the same as 'no-stream'. */
export type ExpectedRevision = number | 'no-stream' | 'any';

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
  /** A repeated key with the same requestHash returns the first result and appends nothing. */
  idempotencyKey?: string;
  /** Identifies the request body; defaults to a hash of the stream id and the events' types and data. */
  requestHash?: string;
}

export interface AppendResult {
  /** The revision of the stream's last event: the expected revision of the next append. */
  nextRevision: number;
  /** The position of the last event appended (or of the first request, for a duplicate). */
  position: Position;
  duplicate: boolean;
}

export interface Subscription {
  /** Stops after the event being handled; resolves when stopped, rejects with the error that ended it. */
  stop(): Promise<void>;
  /** Settles when the subscription ends: resolves on stop(), rejects when a handler or a read fails. */
  readonly done: Promise<void>;
}

export interface SubscribeOptions {
  /** Exclusive; omitted = from the beginning. */
  fromPosition?: Position;
}

export type VerifyResult =
  | { ok: true; streams: number; events: number }
  | { ok: false; streamId: string; revision: number; reason: string };

export interface EventStore {
  append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /** The stream in revision order; `toPosition` (inclusive) reads it as it stood at that position. */
  readStream(streamId: string, options?: { toPosition?: Position }): Promise<RecordedEvent[]>;
  /** Global order, `fromPosition` exclusive; never returns an event a later read could precede. */
  readAll(options: { fromPosition?: Position; maxCount: number }): Promise<RecordedEvent[]>;
  /** Catch-up, then live. Handlers run one at a time, in position order. */
  subscribeAll(options: SubscribeOptions, handler: (event: RecordedEvent) => Promise<void>): Subscription;
  /** The highest position readers can see; 0n for an empty store. */
  headPosition(): Promise<Position>;
  /** Recomputes every stream's hash chain (optionally only streams starting with a prefix). */
  /** Recompute the hash chains: every stream, those of one tenant, or those whose id starts with a prefix. */
  verifyChains(options?: { streamPrefix?: string; tenantId?: string }): Promise<VerifyResult>;
}

export const START_POSITION: Position = 0n;

export function positionToString(position: Position): string {
  return position.toString();
}

export function parsePosition(value: string): Position {
  if (!/^\d{1,19}$/.test(value)) throw new RangeError(`not a position: ${JSON.stringify(value)}`);
  return BigInt(value);
}
