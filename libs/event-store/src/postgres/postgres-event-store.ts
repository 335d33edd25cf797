import { randomUUID } from 'node:crypto';
import { Database, migrate, Queryable } from '@app/platform/database';
import {
  AppendOptions, AppendResult, EventMetadata, EventStore, ExpectedRevision, NewEvent, Position, RecordedEvent,
  SubscribeOptions, Subscription, VerifyResult,
} from '../event-store';
import {
  DuplicateEventIdError, IdempotencyKeyReusedError, StreamTenantMismatchError, WrongExpectedRevisionError,
} from '../errors';
import { canonicalJson, eventHash, sha256Hex } from '../hash-chain';
import { EVENTS_CHANNEL, POSITION_INDEX_BITS, eventStoreMigrations } from './migrations';

export interface PostgresEventStoreOptions {
  /** Live subscriptions poll this often (NOTIFY wakes them earlier). Default 50 ms. */
  pollIntervalMs?: number;
  /** Events per read while a subscription catches up. Default 500. */
  batchSize?: number;
  /**
   * Test hook: when set, each append runs in an explicit transaction and this runs after the
   * events are written and before the commit (e.g. `SELECT pg_sleep(...)` to commit late).
   */
  beforeCommit?: (tx: Queryable, streamId: string) => Promise<void>;
}

/**
 * Events whose transaction is older than every running transaction: they are committed (or gone)
 * and no later commit can take a smaller position. Equivalent to
 * `transaction_id < pg_snapshot_xmin(pg_current_snapshot())` (see the table's CHECK), written on
 * position so the primary key index serves it.
 */
const VISIBLE = `position < (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << ${POSITION_INDEX_BITS})`;

const COLUMNS = 'position::text AS position, id::text AS id, stream_id, revision, type, data, metadata, recorded_at, hash, prev_hash';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface EventRow {
  position: string;
  id: string;
  stream_id: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  recorded_at: Date | string;
  hash: string;
  prev_hash: string | null;
}

interface DatabaseErrorLike {
  code?: string;
  detail?: string;
  constraint?: string;
}

/** The EventStore on PostgreSQL, unchanged on a real server (pg) and on embedded PGlite. */
export class PostgresEventStore implements EventStore {
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  /** A NOTIFY is on its way / another append committed meanwhile and needs one more. */
  private notifying = false;
  private notifyAgain = false;

  constructor(private readonly db: Database, private readonly options: PostgresEventStoreOptions = {}) {
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.batchSize = options.batchSize ?? 500;
  }

  /** Applies the schema (idempotent, safe with concurrent starters) and returns the store. */
  static async create(db: Database, options?: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    await migrate(db, eventStoreMigrations);
    return new PostgresEventStore(db, options);
  }

  async append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (typeof streamId !== 'string' || streamId.length === 0) throw new TypeError('streamId must be a non-empty string');
    const expected = encodeExpected(options.expectedRevision);
    if (events.length === 0) return this.appendNothing(streamId, options.expectedRevision);

    const payload = events.map((event) => {
      const tenantId = event.metadata?.tenantId;
      if (typeof tenantId !== 'string' || tenantId.length === 0) throw new TypeError('metadata.tenantId is required');
      if (typeof event.type !== 'string' || event.type.length === 0) throw new TypeError('event type is required');
      const id = (event.id ?? randomUUID()).toLowerCase();
      if (!UUID.test(id)) throw new TypeError(`event id must be a uuid: ${event.id}`);
      return {
        id,
        type: event.type,
        typeJson: JSON.stringify(event.type),
        tenantId,
        data: canonicalJson(event.data),
        metadata: canonicalJson(event.metadata),
      };
    });
    const key = options.idempotencyKey ?? null;
    const requestHash = key === null ? null : (options.requestHash ?? defaultRequestHash(streamId, events));
    const sql =
      'SELECT out_next_revision AS next_revision, out_position::text AS position, out_duplicate AS duplicate ' +
      'FROM ledger_append($1::text, $2::text, $3::integer, $4::jsonb, $5::text, $6::text)';
    const params = [streamId, JSON.stringify(streamId), expected, JSON.stringify(payload), key, requestHash];

    const hook = this.options.beforeCommit;
    for (let attempt = 1; ; attempt++) {
      try {
        const [row] = hook
          ? await this.db.transaction(async (tx) => {
            const rows = await tx.query<{ next_revision: number; position: string; duplicate: boolean }>(sql, params);
            await hook(tx, streamId);
            return rows;
          })
          : await this.db.query<{ next_revision: number; position: string; duplicate: boolean }>(sql, params);
        if (!row.duplicate) this.notifyAppended();
        return { nextRevision: row.next_revision, position: BigInt(row.position), duplicate: row.duplicate };
      } catch (error) {
        const e = error as DatabaseErrorLike;
        // The function waits on the key, so this only happens if the first holder's row vanished mid-way: look again.
        if (e.code === '23505' && e.constraint === 'ledger_idempotency_pkey' && attempt < 3) continue;
        throw await this.translate(error, streamId, options.expectedRevision, key, payload[0].tenantId);
      }
    }
  }

  async readStream(streamId: string, options: { toPosition?: Position } = {}): Promise<RecordedEvent[]> {
    const rows = options.toPosition === undefined
      ? await this.db.query<EventRow>(`SELECT ${COLUMNS} FROM ledger_events WHERE stream_id = $1 ORDER BY revision`, [streamId])
      : await this.db.query<EventRow>(
        `SELECT ${COLUMNS} FROM ledger_events WHERE stream_id = $1 AND position <= $2::bigint ORDER BY revision`,
        [streamId, options.toPosition.toString()],
      );
    return rows.map(toRecorded);
  }

  async readAll(options: { fromPosition?: Position; maxCount: number }): Promise<RecordedEvent[]> {
    if (!Number.isInteger(options.maxCount) || options.maxCount < 1) throw new RangeError('maxCount must be a positive integer');
    const rows = await this.db.query<EventRow>(
      // ORDER BY the column, not the output alias: `ORDER BY position` would sort by the text of COLUMNS' `position::text
      // AS position` — every remaining row sorted on each read (the index unused) and '10…' before '9…' when positions
      // gain a digit.
      `SELECT ${COLUMNS} FROM ledger_events WHERE position > $1::bigint AND ${VISIBLE} ORDER BY ledger_events.position LIMIT $2::integer`,
      [(options.fromPosition ?? 0n).toString(), options.maxCount],
    );
    return rows.map(toRecorded);
  }

  async headPosition(): Promise<Position> {
    const [row] = await this.db.query<{ head: string | null }>(
      `SELECT max(position)::text AS head FROM ledger_events WHERE ${VISIBLE}`,
    );
    return row?.head ? BigInt(row.head) : 0n;
  }

  subscribeAll(options: SubscribeOptions, handler: (event: RecordedEvent) => Promise<void>): Subscription {
    let stopped = false;
    let nudged = false;
    let wake: (() => void) | undefined;
    const nudge = () => {
      nudged = true;
      wake?.();
    };
    const idle = () =>
      new Promise<void>((resolve) => {
        if (nudged || stopped) return resolve();
        const timer = setTimeout(done, this.pollIntervalMs);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });

    const run = async () => {
      // NOTIFY only shortens the wait; polling alone is correct.
      const unlisten = await this.db.listen(EVENTS_CHANNEL, nudge).catch(() => undefined);
      try {
        let cursor = options.fromPosition ?? 0n;
        while (!stopped) {
          nudged = false;
          const batch = await this.readAll({ fromPosition: cursor, maxCount: this.batchSize });
          for (const event of batch) {
            if (stopped) return;
            await handler(event);
            cursor = event.position;
          }
          if (batch.length < this.batchSize) await idle();
        }
      } finally {
        await unlisten?.();
      }
    };
    const done = run();
    return {
      done,
      stop: async () => {
        stopped = true;
        wake?.();
        await done;
      },
    };
  }

  async verifyChains(options: { streamPrefix?: string; tenantId?: string } = {}): Promise<VerifyResult> {
    const prefix = options.streamPrefix ?? '';
    let cursor: { streamId: string; revision: number } = { streamId: prefix, revision: -1 };
    let streams = 0;
    let events = 0;
    let current: { streamId: string; revision: number; hash: string | null; head: { revision: number; hash: string | null } } | undefined;
    const closeStream = (): VerifyResult | undefined => {
      if (!current) return undefined;
      if (current.head.revision !== current.revision || current.head.hash !== current.hash) {
        return {
          ok: false,
          streamId: current.streamId,
          revision: current.head.revision,
          reason: `the stream head (revision ${current.head.revision}) does not match its last event (revision ${current.revision}): events were removed or the head was altered`,
        };
      }
      return undefined;
    };

    for (;;) {
      const rows = await this.db.query<EventRow & { stream_revision: number | null; stream_last_hash: string | null }>(
        `SELECT e.stream_id, e.revision, e.id::text AS id, e.type, e.data, e.metadata, e.hash, e.prev_hash,
                s.revision AS stream_revision, s.last_hash AS stream_last_hash
           FROM ledger_events e LEFT JOIN ledger_streams s ON s.stream_id = e.stream_id
          WHERE (e.stream_id, e.revision) > ($1::text, $2::integer) AND starts_with(e.stream_id, $3::text)
            AND ($4::text IS NULL OR e.tenant_id = $4::text)
          ORDER BY e.stream_id, e.revision
          LIMIT 1000`,
        [cursor.streamId, cursor.revision, prefix, options.tenantId ?? null],
      );
      for (const row of rows) {
        if (current?.streamId !== row.stream_id) {
          const broken = closeStream();
          if (broken) return broken;
          streams++;
          current = { streamId: row.stream_id, revision: -1, hash: null, head: { revision: -1, hash: null } };
        }
        const expectedRevision = current.revision + 1;
        const fail = (revision: number, reason: string): VerifyResult => ({ ok: false, streamId: row.stream_id, revision, reason });
        if (row.revision !== expectedRevision) return fail(expectedRevision, `revision ${expectedRevision} is missing`);
        if (row.prev_hash !== current.hash) return fail(row.revision, 'prev_hash does not match the hash of the previous event');
        const recomputed = eventHash(
          { streamId: row.stream_id, revision: row.revision, id: row.id, type: row.type, data: row.data, metadata: row.metadata },
          row.prev_hash,
        );
        if (recomputed !== row.hash) return fail(row.revision, 'the event content does not match its hash: the event was altered');
        current.revision = row.revision;
        current.hash = row.hash;
        current.head = { revision: row.stream_revision ?? -1, hash: row.stream_last_hash };
        events++;
      }
      if (rows.length < 1000) break;
      const last = rows[rows.length - 1];
      cursor = { streamId: last.stream_id, revision: last.revision };
    }
    const broken = closeStream();
    if (broken) return broken;

    const [orphan] = await this.db.query<{ stream_id: string; revision: number }>(
      `SELECT s.stream_id, s.revision FROM ledger_streams s
        WHERE s.revision >= 0 AND starts_with(s.stream_id, $1::text)
          AND NOT EXISTS (SELECT 1 FROM ledger_events e WHERE e.stream_id = s.stream_id)
        ORDER BY s.stream_id LIMIT 1`,
      [prefix],
    );
    if (orphan) {
      return { ok: false, streamId: orphan.stream_id, revision: 0, reason: `the stream head says revision ${orphan.revision} but the stream has no events: events were removed` };
    }
    return { ok: true, streams, events };
  }

  /**
   * Wakes subscribers (best effort; they also poll) once the append has committed. NOTIFY is sent on its own, never
   * inside the append's transaction, where its database-wide lock would serialise every commit (migration 0002), and
   * coalesced: while one is on its way, any number of appends add just one more.
   */
  private notifyAppended(): void {
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = true;
    void (async () => {
      try {
        do {
          this.notifyAgain = false;
          await this.db.query(`SELECT pg_notify('${EVENTS_CHANNEL}', '')`);
        } while (this.notifyAgain);
      } catch {
        // The database closed or failed: subscribers find the events at their next poll.
      } finally {
        this.notifying = false;
      }
    })();
  }

  private async appendNothing(streamId: string, expected: ExpectedRevision): Promise<AppendResult> {
    const [row] = await this.db.query<{ revision: number; last_position: string | null }>(
      'SELECT revision, last_position FROM ledger_streams WHERE stream_id = $1',
      [streamId],
    );
    const actual = row?.revision ?? -1;
    const wanted = encodeExpected(expected);
    if (wanted !== -2 && wanted !== actual) throw new WrongExpectedRevisionError(streamId, expected, actual);
    return { nextRevision: actual, position: row?.last_position ? BigInt(row.last_position) : 0n, duplicate: false };
  }

  private async translate(
    error: unknown,
    streamId: string,
    expected: ExpectedRevision,
    key: string | null,
    tenantId: string,
  ): Promise<unknown> {
    const e = error as DatabaseErrorLike;
    switch (e.code) {
      case 'LE001':
        return new WrongExpectedRevisionError(streamId, expected, Number(e.detail));
      case 'LE002':
        return new IdempotencyKeyReusedError(key ?? '');
      case 'LE003':
        return new StreamTenantMismatchError(streamId, e.detail ?? '', tenantId);
      case '23505':
        if (e.constraint === 'ledger_events_id_key') return new DuplicateEventIdError(streamId);
        if (e.constraint === 'ledger_events_stream_revision_key' || e.constraint === 'ledger_streams_pkey') {
          const [row] = await this.db.query<{ revision: number }>('SELECT revision FROM ledger_streams WHERE stream_id = $1', [streamId]);
          return new WrongExpectedRevisionError(streamId, expected, row?.revision ?? -1);
        }
        return error;
      default:
        return error;
    }
  }
}

function encodeExpected(expected: ExpectedRevision): number {
  if (expected === 'any') return -2;
  if (expected === 'no-stream') return -1;
  if (Number.isInteger(expected) && expected >= -1 && expected < 2 ** 31) return expected;
  throw new RangeError(`expectedRevision must be 'any', 'no-stream' or an integer >= -1, not ${String(expected)}`);
}

/** Without an explicit requestHash, the request is its stream and its events' types and data. */
function defaultRequestHash(streamId: string, events: NewEvent[]): string {
  return sha256Hex(canonicalJson({ streamId, events: events.map(({ type, data }) => ({ type, data })) }));
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    streamId: row.stream_id,
    revision: row.revision,
    position: BigInt(row.position),
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at instanceof Date ? row.recorded_at.toISOString() : new Date(row.recorded_at).toISOString(),
    hash: row.hash,
    prevHash: row.prev_hash,
  };
}
