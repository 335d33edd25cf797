import { createHash } from 'node:crypto';
import type { EventMetadata, ExpectedRevision, NewEvent, Position, RecordedEvent } from '../event-store';
import { IdempotencyKeyReusedError, StreamTenantMismatchError, WrongExpectedRevisionError } from '../errors';
import { canonicalJson, eventHash } from '../hash-chain';

/*
 * The pure half of the EventStoreDB/KurrentDB adapter: positions, revisions, metadata, the hash chain and errors.
 * Everything that can be decided without a server lives here and is unit-tested; the adapter only does I/O.
 */

/** KurrentDB's position of a record in its transaction log: commit and prepare byte offsets. */
export interface LogPosition { commit: bigint; prepare: bigint }

/**
 * One port position (a bigint, < 2^63 so that it fits PostgreSQL's bigint checkpoints) per log position:
 * `commit × 2^22 + (prepare − commit + 2^21)`. `$all` is ordered by (commit, prepare); the events of one append share
 * a commit position and differ in prepare by less than the append's size, which the server caps at 1 MiB by default
 * (MaxAppendSize): a ±2 MiB offset holds every event of any append the server accepts. The log may grow to 2^41 bytes
 * (2 TiB) before positions run out; past that (or for an offset out of range) encoding throws instead of reordering.
 */
export const OFFSET_BITS = 22n;
const OFFSET_BIAS = 1n << (OFFSET_BITS - 1n);
const OFFSET_MASK = (1n << OFFSET_BITS) - 1n;
const MAX_COMMIT = (1n << (63n - OFFSET_BITS)) - 1n;

export function encodePosition(position: LogPosition): Position {
  const { commit, prepare } = position;
  if (commit < 0n || commit > MAX_COMMIT) throw new RangeError(`commit position ${commit} is outside 0..${MAX_COMMIT}`);
  const offset = prepare - commit + OFFSET_BIAS;
  if (offset < 0n || offset > OFFSET_MASK) {
    throw new RangeError(`prepare position ${prepare} is too far from commit position ${commit} to encode`);
  }
  return (commit << OFFSET_BITS) | offset;
}

export function decodePosition(position: Position): LogPosition {
  if (position < 0n) throw new RangeError(`not a position: ${position}`);
  const commit = position >> OFFSET_BITS;
  return { commit, prepare: commit + (position & OFFSET_MASK) - OFFSET_BIAS };
}

/** Streams the adapter keeps for itself (idempotency keys); never part of the ledger's log. */
export const IDEMPOTENCY_STREAM_PREFIX = 'ledger.idempotency-';

/**
 * The server-side filter of `$all`: the ledger's streams only, i.e. neither system streams (`$…`, which also covers
 * metadata streams `$$…`) nor the adapter's own idempotency streams.
 */
export const LEDGER_STREAMS_REGEX = `^(?!\\$|${IDEMPOTENCY_STREAM_PREFIX.replace(/[.]/g, '\\.')})`;

export function isLedgerStream(streamId: string): boolean {
  return !streamId.startsWith('$') && !streamId.startsWith(IDEMPOTENCY_STREAM_PREFIX);
}

export function idempotencyStreamId(key: string): string {
  return `${IDEMPOTENCY_STREAM_PREFIX}${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** The port's expected revision, checked: -1 means 'no-stream'. */
export function validateExpected(expected: ExpectedRevision): ExpectedRevision {
  if (expected === 'any' || expected === 'no-stream') return expected;
  if (Number.isInteger(expected) && expected >= -1 && expected < 2 ** 31) return expected === -1 ? 'no-stream' : expected;
  throw new RangeError(`expectedRevision must be 'any', 'no-stream' or an integer >= -1, not ${String(expected)}`);
}

/** Does the stream's current revision (-1: absent) satisfy the expectation? */
export function satisfies(expected: ExpectedRevision, actual: number): boolean {
  const wanted = validateExpected(expected);
  if (wanted === 'any') return true;
  if (wanted === 'no-stream') return actual === -1;
  return wanted === actual;
}

/**
 * The server's expected state for an append after the stream was read at `observed` (-1: absent). The adapter always
 * appends at the exact revision it read, even for 'any': the hash chain links to the event it read, so nothing may
 * slip in between; a conflict is retried (for 'any') or reported (for a number).
 */
export function serverExpectedState(observed: number): 'no_stream' | bigint {
  return observed < 0 ? 'no_stream' : BigInt(observed);
}

/** The server's current stream state as the port counts it: -1 for absent/deleted, else the revision. */
export function actualRevision(state: unknown): number {
  if (typeof state === 'bigint') return state < 0n ? -1 : Number(state);
  if (typeof state === 'number') return state < 0 ? -1 : state;
  return -1; // 'no_stream', 'stream_exists' cannot come back as an actual state
}

/** What the adapter stores in each event's metadata besides the port's metadata. */
export interface ChainMetadata {
  /** The revision the hash was computed with. */
  revision: number;
  hash: string;
  prevHash: string | null;
  /** The idempotency key's request hash, on events appended under a key. */
  requestHash?: string;
}

export const CHAIN_KEY = '$ledger';

export interface ServerEvent {
  id: string;
  type: string;
  /** Plain JSON (canonicalised). */
  data: unknown;
  metadata: Record<string, unknown>;
}

export interface ChainedAppend {
  events: ServerEvent[];
  /** The revision and hash the stream will have after the append. */
  lastRevision: number;
  lastHash: string | null;
}

/**
 * Chains events onto a stream last read at `observedRevision` with head hash `prevHash`: revisions, ids, hashes and
 * the metadata that carries them. Data and metadata are canonicalised first, so the stored JSON reads back to the
 * values the hash was computed over.
 */
export function chainEvents(
  streamId: string,
  observedRevision: number,
  prevHash: string | null,
  events: readonly (NewEvent & { id: string })[],
  requestHash?: string,
): ChainedAppend {
  let revision = observedRevision;
  let previous = prevHash;
  const out: ServerEvent[] = [];
  for (const event of events) {
    revision++;
    const data = JSON.parse(canonicalJson(event.data)) as unknown;
    const metadata = JSON.parse(canonicalJson(event.metadata)) as EventMetadata;
    const hash = eventHash({ streamId, revision, id: event.id, type: event.type, data, metadata }, previous);
    const chain: ChainMetadata = { revision, hash, prevHash: previous, ...(requestHash ? { requestHash } : {}) };
    out.push({ id: event.id, type: event.type, data, metadata: { ...metadata, [CHAIN_KEY]: chain } });
    previous = hash;
  }
  return { events: out, lastRevision: revision, lastHash: previous };
}

/** A recorded event as the client library hands it over (the fields the adapter uses). */
export interface ServerRecordedEvent {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  created: Date;
  data: unknown;
  metadata: unknown;
  position?: LogPosition;
}

export function splitMetadata(stored: unknown): { metadata: EventMetadata; chain: ChainMetadata | undefined } {
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) {
    return { metadata: {} as EventMetadata, chain: undefined };
  }
  const { [CHAIN_KEY]: chain, ...metadata } = stored as Record<string, unknown>;
  return { metadata: metadata as EventMetadata, chain: isChain(chain) ? chain : undefined };
}

function isChain(value: unknown): value is ChainMetadata {
  const v = value as ChainMetadata | undefined;
  return typeof v === 'object' && v !== null && typeof v.hash === 'string' && Number.isInteger(v.revision)
    && (v.prevHash === null || typeof v.prevHash === 'string');
}

/** The port's recorded event; an event without a position or chain was not written by this adapter and is refused. */
export function toRecordedEvent(event: ServerRecordedEvent): RecordedEvent {
  if (!event.position) throw new Error(`event ${event.id} of ${event.streamId} has no log position: the server is older than 22.6`);
  const { metadata, chain } = splitMetadata(event.metadata);
  if (!chain) throw new Error(`event ${event.id} of ${event.streamId} carries no hash chain: not written by the ledger`);
  return {
    id: event.id,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: encodePosition(event.position),
    type: event.type,
    data: event.data,
    metadata,
    recordedAt: event.created.toISOString(),
    hash: chain.hash,
    prevHash: chain.prevHash,
  };
}

/** The chain metadata of a recorded event read back (undefined: not the ledger's). */
export function chainOf(event: ServerRecordedEvent): ChainMetadata | undefined {
  return splitMetadata(event.metadata).chain;
}

/**
 * An event id derived from an idempotency key: a repeat of the request carries the same ids, so a retry after a crash
 * between the append and the key's record finds its own events in the stream instead of appending them again.
 * Formatted as a version-8 (custom) RFC 9562 uuid.
 */
export function derivedEventId(idempotencyKey: string, streamId: string, index: number): string {
  const hex = createHash('sha256').update(`${idempotencyKey}\u0000${streamId}\u0000${index}`, 'utf8').digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The record kept under an idempotency key once its request has appended. */
export interface IdempotencyRecord {
  requestHash: string;
  streamId: string;
  nextRevision: number;
  position: string;
}

export const IDEMPOTENCY_EVENT_TYPE = 'ledger.idempotency-key-used.v1';

/** A repeat of a key: the first result, or the refusal when the key first served another request. */
export function answerRepeat(key: string, record: IdempotencyRecord, requestHash: string) {
  if (record.requestHash !== requestHash) throw new IdempotencyKeyReusedError(key);
  return { nextRevision: record.nextRevision, position: BigInt(record.position), duplicate: true };
}

/** Every event of an append carries the stream's tenant; the stream's tenant is its last event's. */
export function checkTenant(streamId: string, streamTenant: string | undefined, events: readonly NewEvent[]): void {
  const first = events[0]?.metadata.tenantId;
  const tenant = streamTenant ?? first;
  for (const event of events) {
    if (event.metadata.tenantId !== tenant) throw new StreamTenantMismatchError(streamId, tenant, event.metadata.tenantId);
  }
}

/** Error shapes of the client library, as far as the adapter reads them. */
interface ClientErrorLike { type?: string; streamName?: string; actualState?: unknown; actualVersion?: unknown }

/**
 * The port's error for a client error: a wrong expected version becomes WrongExpectedRevisionError with the stream's
 * actual revision; anything else passes through unchanged (unavailable, access denied, deleted: operational faults).
 */
export function translateError(error: unknown, streamId: string, expected: ExpectedRevision): unknown {
  const e = error as ClientErrorLike | null;
  if (e && typeof e === 'object' && e.type === 'wrong-expected-version') {
    return new WrongExpectedRevisionError(streamId, expected, actualRevision(e.actualState ?? e.actualVersion));
  }
  return error;
}

export type ChainCheck =
  | { ok: true; state: { revision: number; hash: string } }
  | { ok: false; revision: number; reason: string };

/**
 * One step of `verifyChains` over a stream's events in log order: the content must hash to the stored hash, the
 * chain's revision must follow the previous one, the link must name the previous hash, and the server's revision must
 * be the chained one (a stream deleted and written again shows up here).
 */
export function checkChainLink(previous: { revision: number; hash: string } | undefined, event: ServerRecordedEvent): ChainCheck {
  const { metadata, chain } = splitMetadata(event.metadata);
  if (!chain) return { ok: false, revision: Number(event.revision), reason: 'the event carries no hash chain: it was not written by the ledger' };
  const recomputed = eventHash(
    { streamId: event.streamId, revision: chain.revision, id: event.id, type: event.type, data: event.data, metadata },
    chain.prevHash,
  );
  if (recomputed !== chain.hash) return { ok: false, revision: chain.revision, reason: 'the event content does not match its hash: the event was altered' };
  const expectedRevision = (previous?.revision ?? -1) + 1;
  if (chain.revision !== expectedRevision) return { ok: false, revision: expectedRevision, reason: `revision ${expectedRevision} is missing` };
  if (chain.prevHash !== (previous?.hash ?? null)) return { ok: false, revision: chain.revision, reason: 'prev_hash does not match the hash of the previous event' };
  if (Number(event.revision) !== chain.revision) {
    return { ok: false, revision: chain.revision, reason: `the server holds this event at revision ${event.revision}: the stream was deleted and written again` };
  }
  return { ok: true, state: { revision: chain.revision, hash: chain.hash } };
}
