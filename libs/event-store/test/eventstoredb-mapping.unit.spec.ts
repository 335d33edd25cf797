import { randomUUID } from 'node:crypto';
import {
  eventHash, IdempotencyKeyReusedError, type NewEvent, StreamTenantMismatchError, WrongExpectedRevisionError,
} from '@app/event-store';
import {
  actualRevision, answerRepeat, chainEvents, checkChainLink, checkTenant, decodePosition, derivedEventId, encodePosition,
  idempotencyStreamId, isLedgerStream, LEDGER_STREAMS_REGEX, satisfies, serverExpectedState, type ServerRecordedEvent,
  splitMetadata, toRecordedEvent, translateError, validateExpected,
} from '@app/event-store/eventstoredb/mapping';
import fc from 'fast-check';

const meta = (tenantId = 'acme') => ({
  tenantId, actor: 'unit', effectiveAt: '2026-01-01T00:00:00.000Z', recordedAt: '2026-01-01T00:00:00.000Z', schemaVersion: 1,
});
const newEvent = (type: string, data: unknown, tenantId = 'acme'): NewEvent & { id: string } => ({ id: randomUUID(), type, data, metadata: meta(tenantId) });

/** What the server would hand back for events chained by the adapter. */
function stored(streamId: string, events: ReturnType<typeof chainEvents>['events'], firstRevision: number, commit: bigint): ServerRecordedEvent[] {
  return events.map((e, i) => ({
    streamId, id: e.id, revision: BigInt(firstRevision + i), type: e.type, created: new Date('2026-02-01T10:00:00.123Z'),
    data: JSON.parse(JSON.stringify(e.data)), metadata: JSON.parse(JSON.stringify(e.metadata)),
    position: { commit, prepare: commit + BigInt(i * 300) },
  }));
}

describe('EventStoreDB mapping: positions', () => {
  it('encodes a log position into one bigint and back', () => {
    for (const p of [{ commit: 0n, prepare: 0n }, { commit: 1234n, prepare: 1234n }, { commit: 10_000n, prepare: 9_000n }, { commit: 5n, prepare: 900_000n }]) {
      expect(decodePosition(encodePosition(p))).toEqual(p);
    }
  });

  it('keeps $all order: (commit, prepare) order is bigint order, and every position fits a PostgreSQL bigint', () => {
    const position = fc.record({
      commit: fc.bigInt({ min: 0n, max: (1n << 41n) - 1n }),
      offset: fc.bigInt({ min: -(1n << 20n), max: (1n << 20n) }),
    }).map(({ commit, offset }) => ({ commit, prepare: commit + offset }));
    fc.assert(fc.property(position, position, (a, b) => {
      const ea = encodePosition(a);
      const eb = encodePosition(b);
      expect(ea).toBeLessThan(1n << 63n);
      const order = a.commit !== b.commit ? Math.sign(Number(a.commit - b.commit)) : Math.sign(Number(a.prepare - b.prepare));
      expect(Math.sign(Number(ea - eb))).toBe(order);
    }));
  });

  it('refuses positions it cannot encode faithfully rather than reorder them', () => {
    expect(() => encodePosition({ commit: 1n << 41n, prepare: 1n << 41n })).toThrow(RangeError);
    expect(() => encodePosition({ commit: 100n, prepare: 100n + (1n << 21n) })).toThrow(RangeError);
    expect(() => encodePosition({ commit: -1n, prepare: 0n })).toThrow(RangeError);
    expect(() => decodePosition(-5n)).toThrow(RangeError);
  });
});

describe('EventStoreDB mapping: revisions', () => {
  it('validates expectations like the PostgreSQL adapter and treats -1 as no-stream', () => {
    expect(validateExpected(-1)).toBe('no-stream');
    expect(validateExpected('any')).toBe('any');
    expect(validateExpected(7)).toBe(7);
    expect(() => validateExpected(-2)).toThrow(RangeError);
    expect(() => validateExpected(1.5)).toThrow(RangeError);
  });

  it('checks an expectation against the revision read', () => {
    expect(satisfies('no-stream', -1)).toBe(true);
    expect(satisfies('no-stream', 0)).toBe(false);
    expect(satisfies(-1, -1)).toBe(true);
    expect(satisfies(3, 3)).toBe(true);
    expect(satisfies(3, 4)).toBe(false);
    expect(satisfies('any', 12)).toBe(true);
  });

  it('appends at the exact revision read, as the server expects it', () => {
    expect(serverExpectedState(-1)).toBe('no_stream');
    expect(serverExpectedState(0)).toBe(0n);
    expect(serverExpectedState(41)).toBe(41n);
  });

  it('counts the server\'s actual state as the port does', () => {
    expect(actualRevision(4n)).toBe(4);
    expect(actualRevision('no_stream')).toBe(-1);
    expect(actualRevision(-5n)).toBe(-1); // deleted
    expect(actualRevision(undefined)).toBe(-1);
  });
});

describe('EventStoreDB mapping: errors', () => {
  it('a wrong expected version becomes WrongExpectedRevisionError with the actual revision', () => {
    const error = translateError({ type: 'wrong-expected-version', streamName: 's', expectedState: 2n, actualState: 5n }, 's', 2);
    expect(error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(error).toMatchObject({ code: 'wrong-expected-revision', streamId: 's', expected: 2, actual: 5 });
    expect(translateError({ type: 'wrong-expected-version', actualState: 'no_stream' }, 's', 0)).toMatchObject({ actual: -1 });
  });

  it('other errors pass through unchanged', () => {
    const unavailable = Object.assign(new Error('unavailable'), { type: 'unavailable' });
    expect(translateError(unavailable, 's', 'any')).toBe(unavailable);
  });

  it('a stream never takes events of another tenant', () => {
    expect(() => checkTenant('s', 'acme', [newEvent('e', {}, 'acme')])).not.toThrow();
    expect(() => checkTenant('s', undefined, [newEvent('e', {}, 'acme'), newEvent('e', {}, 'other')])).toThrow(StreamTenantMismatchError);
    expect(() => checkTenant('s', 'acme', [newEvent('e', {}, 'other')])).toThrow(StreamTenantMismatchError);
  });

  it('a repeated idempotency key answers the first result, or refuses another request', () => {
    const record = { requestHash: 'h1', streamId: 's', nextRevision: 3, position: '987654321' };
    expect(answerRepeat('k', record, 'h1')).toEqual({ nextRevision: 3, position: 987654321n, duplicate: true });
    expect(() => answerRepeat('k', record, 'h2')).toThrow(IdempotencyKeyReusedError);
  });
});

describe('EventStoreDB mapping: hash chain in metadata', () => {
  it('chains revisions and hashes the way eventHash recomputes them from what is read back', () => {
    const s = 'subject-acme-1';
    const first = chainEvents(s, -1, null, [newEvent('a.v1', { z: 1, a: [1e21, 'é'] }), newEvent('b.v1', { when: new Date('2026-01-01T00:00:00Z') })]);
    expect(first.lastRevision).toBe(1);
    const read = stored(s, first.events, 0, 4096n).map(toRecordedEvent);
    expect(read.map((e) => e.revision)).toEqual([0, 1]);
    expect(read[0].prevHash).toBeNull();
    expect(read[1].prevHash).toBe(read[0].hash);
    for (const e of read) expect(eventHash(e, e.prevHash)).toBe(e.hash);
    expect(read[1].data).toEqual({ when: '2026-01-01T00:00:00.000Z' });
    expect(read[0].metadata).toEqual(meta());
    expect(read[0].recordedAt).toBe('2026-02-01T10:00:00.123Z');
    expect(read[0].position).toBeLessThan(read[1].position);

    const next = chainEvents(s, first.lastRevision, first.lastHash, [newEvent('c.v1', {})], 'request-hash');
    expect(next.events[0].metadata.$ledger).toEqual({ revision: 2, hash: next.lastHash, prevHash: first.lastHash, requestHash: 'request-hash' });
  });

  it('keeps the chain out of the port metadata, and refuses events the ledger did not write', () => {
    expect(splitMetadata({ tenantId: 'acme', $ledger: { revision: 0, hash: 'h', prevHash: null } }))
      .toEqual({ metadata: { tenantId: 'acme' }, chain: { revision: 0, hash: 'h', prevHash: null } });
    const foreign: ServerRecordedEvent = {
      streamId: 's', id: randomUUID(), revision: 0n, type: 't', created: new Date(), data: {}, metadata: { tenantId: 'acme' }, position: { commit: 1n, prepare: 1n },
    };
    expect(() => toRecordedEvent(foreign)).toThrow(/no hash chain/);
    expect(() => toRecordedEvent({ ...foreign, position: undefined })).toThrow(/no log position/);
  });

  it('verification finds an altered event, a gap, a broken link and a stream written again', () => {
    const s = 'subject-acme-2';
    const chained = chainEvents(s, -1, null, [newEvent('a', { n: 1 }), newEvent('b', { n: 2 }), newEvent('c', { n: 3 })]);
    const events = stored(s, chained.events, 0, 100n);
    let state: { revision: number; hash: string } | undefined;
    for (const e of events) {
      const check = checkChainLink(state, e);
      expect(check.ok).toBe(true);
      if (check.ok) state = check.state;
    }
    expect(checkChainLink(undefined, { ...events[0], data: { n: 99 } })).toEqual({ ok: false, revision: 0, reason: expect.stringMatching(/altered/) });
    const afterFirst = checkChainLink(undefined, events[0]);
    if (!afterFirst.ok) throw new Error('unreachable');
    expect(checkChainLink(afterFirst.state, events[2])).toEqual({ ok: false, revision: 1, reason: 'revision 1 is missing' });
    expect(checkChainLink({ revision: 0, hash: 'f'.repeat(64) }, events[1])).toMatchObject({ ok: false, revision: 1, reason: expect.stringMatching(/prev_hash/) });
    expect(checkChainLink(undefined, { ...events[0], revision: 3n })).toMatchObject({ ok: false, reason: expect.stringMatching(/written again/) });
  });
});

describe('EventStoreDB mapping: streams and ids', () => {
  it('filters $all to the ledger\'s streams', () => {
    const regex = new RegExp(LEDGER_STREAMS_REGEX);
    for (const s of ['subject-acme-1', 'contact-acme-abc', 'tenant-acme']) {
      expect(regex.test(s)).toBe(true);
      expect(isLedgerStream(s)).toBe(true);
    }
    for (const s of ['$stats-127.0.0.1:2113', '$$subject-acme-1', idempotencyStreamId('k')]) {
      expect(regex.test(s)).toBe(false);
      expect(isLedgerStream(s)).toBe(false);
    }
  });

  it('derives stable, distinct uuids from an idempotency key', () => {
    const a = derivedEventId('key-1', 's', 0);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedEventId('key-1', 's', 0)).toBe(a);
    expect(new Set([a, derivedEventId('key-1', 's', 1), derivedEventId('key-2', 's', 0), derivedEventId('key-1', 't', 0)]).size).toBe(4);
  });
});
