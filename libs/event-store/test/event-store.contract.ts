import { randomUUID } from 'node:crypto';
import {
  eventHash, EventStore, IdempotencyKeyReusedError, NewEvent, Position, RecordedEvent, StreamTenantMismatchError,
  WrongExpectedRevisionError,
} from '@app/event-store';

export interface EventStoreHarness {
  store: EventStore;
  /**
   * The same store, except that an append to a stream for which `isSlow` holds keeps its
   * transaction open `delayMs` after writing, so transactions that start later commit first.
   * Only for adapters where transactions really run concurrently.
   */
  withSlowCommits?(isSlow: (streamId: string) => boolean, delayMs: number): EventStore;
  /** Rewrites an event's data behind the store's back, as an attacker with database access would. */
  tamper?(streamId: string, revision: number, data: unknown): Promise<void>;
  close(): Promise<void>;
}

const TENANT = 'tenant-a';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function event(type: string, data: unknown = {}, tenantId = TENANT): NewEvent {
  return {
    type,
    data,
    metadata: {
      tenantId,
      actor: 'contract-test',
      correlationId: randomUUID(),
      effectiveAt: '2026-01-01T00:00:00.000Z',
      recordedAt: '2026-01-01T00:00:01.000Z',
      schemaVersion: 1,
    },
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function settle<T>(promises: Promise<T>[]) {
  const outcomes = await Promise.allSettled(promises);
  return {
    fulfilled: outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : [])),
    rejected: outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : [])),
  };
}

function expectStrictlyIncreasing(positions: Position[]): void {
  for (let i = 1; i < positions.length; i++) {
    if (!(positions[i] > positions[i - 1])) {
      throw new Error(`position ${positions[i]} at index ${i} does not follow ${positions[i - 1]}`);
    }
  }
}

/** The behaviour every EventStore adapter must have; run once per adapter. */
export interface ContractOptions {
  /** Transactions run concurrently (a real server), so a later one can commit before an earlier one. */
  concurrentTransactions: boolean;
}

export function describeEventStoreContract(
  name: string,
  factory: () => Promise<EventStoreHarness>,
  options: ContractOptions,
): void {
  // Only meaningful where a later transaction can commit first; PGlite serialises transactions, so there the case
  // cannot arise and is not registered at all.
  const itWithConcurrentTransactions = (title: string, fn: () => Promise<void>): void => {
    if (options.concurrentTransactions) it(title, fn);
  };

  describe(`EventStore contract: ${name}`, () => {
    let harness: EventStoreHarness;
    let store: EventStore;
    const stream = (label: string) => `${label}-${randomUUID()}`;

    beforeAll(async () => {
      harness = await factory();
      store = harness.store;
    });
    afterAll(() => harness?.close());

    describe('append and read', () => {
      it('records events with revisions, positions, ids and hash links, and reads them back in order', async () => {
        const id = randomUUID();
        const s = stream('basics');
        const result = await store.append(s, [{ ...event('thing.created.v1', { n: 1 }), id }, event('thing.changed.v1', { n: 2 })], {
          expectedRevision: 'no-stream',
        });
        expect(result).toEqual({ nextRevision: 1, position: expect.any(BigInt), duplicate: false });

        const read = await store.readStream(s);
        expect(read.map((e) => [e.streamId, e.revision, e.type, e.data])).toEqual([
          [s, 0, 'thing.created.v1', { n: 1 }],
          [s, 1, 'thing.changed.v1', { n: 2 }],
        ]);
        expect(read[0].id).toBe(id);
        expect(read[1].id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(read[0].metadata).toEqual(event('x').metadata.tenantId === TENANT ? expect.objectContaining({ tenantId: TENANT, schemaVersion: 1 }) : {});
        expect(new Date(read[0].recordedAt).toISOString()).toBe(read[0].recordedAt);
        expect(read[0].prevHash).toBeNull();
        expect(read[1].prevHash).toBe(read[0].hash);
        expect(read[1].position).toBe(result.position);
        expect(read[0].position).toBeLessThan(read[1].position);
      });

      it('reads an unknown stream as empty', async () => {
        expect(await store.readStream(stream('nothing'))).toEqual([]);
      });

      it('reads the whole log in position order from an exclusive position, in pages', async () => {
        const marker = await store.append(stream('all-marker'), [event('marker')], { expectedRevision: 'no-stream' });
        for (let i = 0; i < 400 && (await store.headPosition()) < marker.position; i++) await sleep(25);
        const from = marker.position;
        const a = stream('all-a');
        const b = stream('all-b');
        await store.append(a, [event('a.1'), event('a.2')], { expectedRevision: 'no-stream' });
        const last = await store.append(b, [event('b.1')], { expectedRevision: 'no-stream' });
        const third = await store.append(a, [event('a.3')], { expectedRevision: 1 });
        // Readers see a commit once every older transaction in the cluster has finished (another database's
        // transaction included): wait for that, which is the contract, rather than assume it is immediate.
        for (let i = 0; i < 400 && (await store.headPosition()) < third.position; i++) await sleep(25);

        const all = await store.readAll({ fromPosition: from, maxCount: 100 });
        expect(all.map((e) => e.type)).toEqual(['a.1', 'a.2', 'b.1', 'a.3']);
        expectStrictlyIncreasing(all.map((e) => e.position));
        expect(await store.headPosition()).toBe(all[3].position);

        const page = await store.readAll({ fromPosition: from, maxCount: 2 });
        expect(page.map((e) => e.type)).toEqual(['a.1', 'a.2']);
        const next = await store.readAll({ fromPosition: page[1].position, maxCount: 2 });
        expect(next.map((e) => e.type)).toEqual(['b.1', 'a.3']);
        expect(next[0].position).toBe(last.position);
      });

      it('reads a stream as it stood at a position', async () => {
        const s = stream('as-of');
        const first = await store.append(s, [event('v.1'), event('v.2')], { expectedRevision: 'no-stream' });
        await store.append(s, [event('v.3')], { expectedRevision: 1 });
        expect((await store.readStream(s, { toPosition: first.position })).map((e) => e.type)).toEqual(['v.1', 'v.2']);
        expect((await store.readStream(s, { toPosition: first.position - 1n })).map((e) => e.type)).toEqual(['v.1']);
        expect((await store.readStream(s, { toPosition: 0n }))).toEqual([]);
      });

      it('hashes content the way eventHash recomputes it, whatever the JSON holds', async () => {
        const s = stream('unicode "quoted" \\ é 😀');
        const data = {
          z: [1, 1.5, -0.25, 1e21, 123456789012, true, null, { b: 'x', a: 'y' }],
          text: 'line\nbreak "quote" \\ back tab\t é ü 中文 😀 \u0001',
          nested: { deeper: { emptyList: [], emptyObject: {} } },
          a: 0,
        };
        await store.append(s, [event('weird "type" ü', data)], { expectedRevision: 'any' });
        const [recorded] = await store.readStream(s);
        expect(recorded.data).toEqual(data);
        expect(eventHash(recorded, recorded.prevHash)).toBe(recorded.hash);
      });
    });

    describe('expected revision', () => {
      it("'no-stream' (and -1) only create a stream", async () => {
        const s = stream('no-stream');
        await store.append(s, [event('e')], { expectedRevision: 'no-stream' });
        const error = await store.append(s, [event('e')], { expectedRevision: 'no-stream' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ code: 'wrong-expected-revision', streamId: s, expected: 'no-stream', actual: 0 });
        await expect(store.append(s, [event('e')], { expectedRevision: -1 })).rejects.toMatchObject({ actual: 0 });
        await store.append(stream('minus-one'), [event('e')], { expectedRevision: -1 });
      });

      it('a number must be the revision of the last event', async () => {
        const s = stream('numbered');
        await expect(store.append(s, [event('e')], { expectedRevision: 0 })).rejects.toMatchObject({
          code: 'wrong-expected-revision', expected: 0, actual: -1,
        });
        await store.append(s, [event('e0'), event('e1')], { expectedRevision: 'no-stream' });
        await expect(store.append(s, [event('e')], { expectedRevision: 0 })).rejects.toMatchObject({ expected: 0, actual: 1 });
        await expect(store.append(s, [event('e')], { expectedRevision: 2 })).rejects.toMatchObject({ expected: 2, actual: 1 });
        expect(await store.append(s, [event('e2')], { expectedRevision: 1 })).toMatchObject({ nextRevision: 2 });
        expect((await store.readStream(s)).map((e) => e.type)).toEqual(['e0', 'e1', 'e2']);
      });

      it("'any' appends to a new or an existing stream", async () => {
        const s = stream('any');
        expect(await store.append(s, [event('e')], { expectedRevision: 'any' })).toMatchObject({ nextRevision: 0 });
        expect(await store.append(s, [event('e')], { expectedRevision: 'any' })).toMatchObject({ nextRevision: 1 });
      });

      it('an empty append only checks the revision', async () => {
        const s = stream('empty');
        expect(await store.append(s, [], { expectedRevision: 'no-stream' })).toMatchObject({ nextRevision: -1 });
        const written = await store.append(s, [event('e')], { expectedRevision: 'no-stream' });
        expect(await store.append(s, [], { expectedRevision: 0 })).toEqual({ nextRevision: 0, position: written.position, duplicate: false });
        await expect(store.append(s, [], { expectedRevision: 'no-stream' })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      });

      it('rejects revisions that cannot be', async () => {
        await expect(store.append(stream('bad'), [event('e')], { expectedRevision: -2 })).rejects.toThrow(RangeError);
        await expect(store.append(stream('bad'), [event('e')], { expectedRevision: 1.5 })).rejects.toThrow(RangeError);
      });
    });

    describe('concurrency', () => {
      it('50 concurrent writers to one stream: every revision written once, losers told to retry', async () => {
        const s = stream('contended');
        let conflicts = 0;
        const writer = async (n: number) => {
          for (;;) {
            const current = await store.readStream(s);
            try {
              await store.append(s, [event('written', { writer: n })], { expectedRevision: current.length - 1 });
              return;
            } catch (error) {
              if (!(error instanceof WrongExpectedRevisionError)) throw error;
              conflicts++;
            }
          }
        };
        await Promise.all(Array.from({ length: 50 }, (_, n) => writer(n)));
        const events = await store.readStream(s);
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 50 }, (_, i) => i));
        expect(events.map((e) => e.data.writer).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
        expect(conflicts).toBeGreaterThan(0);
        expect((await store.verifyChains({ streamPrefix: s })).ok).toBe(true);
      });

      it('50 writers racing for the same revision: exactly one wins', async () => {
        const fresh = stream('race-new');
        const created = await settle(Array.from({ length: 50 }, (_, n) =>
          store.append(fresh, [event('first', { n })], { expectedRevision: 'no-stream' })));
        expect(created.fulfilled).toHaveLength(1);
        expect(created.rejected).toHaveLength(49);
        expect(created.rejected.every((e) => e instanceof WrongExpectedRevisionError)).toBe(true);

        const next = await settle(Array.from({ length: 50 }, (_, n) =>
          store.append(fresh, [event('second', { n })], { expectedRevision: 0 })));
        expect(next.fulfilled).toHaveLength(1);
        expect(next.rejected.every((e) => e instanceof WrongExpectedRevisionError && e.actual === 1)).toBe(true);
        expect((await store.readStream(fresh)).map((e) => e.revision)).toEqual([0, 1]);
      });

      it('a global reader sees every event of 20 concurrent writers exactly once, in increasing position order', async () => {
        if (options.concurrentTransactions && !harness.withSlowCommits) throw new Error('withSlowCommits is required');
        const slowStore = harness.withSlowCommits?.((s) => s.includes('-slow-'), 120) ?? store;
        const seen: RecordedEvent[] = [];
        const ours = new Set<string>();
        const subscription = store.subscribeAll({ fromPosition: await store.headPosition() }, async (e) => {
          seen.push(e);
        });
        const failed = subscription.done.then(() => undefined, (error: unknown) => error);

        const writers = Array.from({ length: 20 }, async (_, w) => {
          const s = stream(w % 4 === 0 ? `writer-slow-${w}` : `writer-${w}`);
          for (let round = 0; round < 5; round++) {
            await sleep(w % 3);
            const appended = [event('tick', { w, round, i: 0 }), event('tick', { w, round, i: 1 })];
            await (w % 4 === 0 ? slowStore : store).append(s, appended, { expectedRevision: round === 0 ? 'no-stream' : round * 2 - 1 });
            ours.add(s);
          }
        });
        await Promise.all(writers);
        await until(() => seen.filter((e) => ours.has(e.streamId)).length >= 200, 'the subscriber to see 200 events');
        await sleep(150); // anything extra (a duplicate) would arrive now
        await subscription.stop();
        expect(await failed).toBeUndefined();

        const mine = seen.filter((e) => ours.has(e.streamId));
        expect(mine).toHaveLength(200);
        expect(new Set(mine.map((e) => e.id)).size).toBe(200);
        expectStrictlyIncreasing(seen.map((e) => e.position));
        for (const s of ours) {
          expect(mine.filter((e) => e.streamId === s).map((e) => e.revision)).toEqual(Array.from({ length: 10 }, (_, i) => i));
        }
      });

      itWithConcurrentTransactions('holds back an event committed by a transaction that started later, until the earlier one commits', async () => {
        if (!harness.withSlowCommits) throw new Error('an adapter with concurrent transactions must offer withSlowCommits');
        const slowStore = harness.withSlowCommits(() => true, 400);
        const from = await store.headPosition();
        const early = stream('early');
        const late = stream('late');
        const slow = slowStore.append(early, [event('early')], { expectedRevision: 'no-stream' });
        await sleep(150); // the slow transaction has written its row and holds its transaction id
        const fast = await store.append(late, [event('late')], { expectedRevision: 'no-stream' });

        // The later transaction is committed, but a reader must not move past the earlier, open one.
        const meanwhile = await store.readAll({ fromPosition: from, maxCount: 100 });
        expect(meanwhile.filter((e) => e.streamId === late || e.streamId === early)).toEqual([]);
        expect(await store.headPosition()).toBeLessThan(fast.position);

        const slowResult = await slow;
        expect(slowResult.position).toBeLessThan(fast.position);
        const after = await store.readAll({ fromPosition: from, maxCount: 100 });
        expect(after.filter((e) => e.streamId === late || e.streamId === early).map((e) => e.type)).toEqual(['early', 'late']);
      });
    });

    describe('idempotency', () => {
      it('a repeated key returns the first result and appends nothing', async () => {
        const s = stream('idem');
        const key = randomUUID();
        const first = await store.append(s, [event('once', { a: 1 })], { expectedRevision: 'no-stream', idempotencyKey: key, requestHash: 'h1' });
        const again = await store.append(s, [event('once', { a: 1 })], { expectedRevision: 'no-stream', idempotencyKey: key, requestHash: 'h1' });
        expect(again).toEqual({ ...first, duplicate: true });
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('a key reused for another request is refused', async () => {
        const s = stream('idem-reuse');
        const key = randomUUID();
        await store.append(s, [event('once')], { expectedRevision: 'any', idempotencyKey: key, requestHash: 'h1' });
        const error = await store.append(s, [event('once')], { expectedRevision: 'any', idempotencyKey: key, requestHash: 'h2' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
        expect(error).toMatchObject({ code: 'idempotency-key-reused', idempotencyKey: key });
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('without a request hash, the events themselves identify the request', async () => {
        const s = stream('idem-default');
        const key = randomUUID();
        const first = await store.append(s, [event('e', { a: 1 })], { expectedRevision: 'any', idempotencyKey: key });
        expect(await store.append(s, [event('e', { a: 1 })], { expectedRevision: 'any', idempotencyKey: key })).toEqual({ ...first, duplicate: true });
        await expect(store.append(s, [event('e', { a: 2 })], { expectedRevision: 'any', idempotencyKey: key })).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      });

      it('concurrent requests with one key: one appends, the others get its result', async () => {
        const s = stream('idem-race');
        const key = randomUUID();
        const results = await Promise.all(Array.from({ length: 10 }, () =>
          store.append(s, [event('once')], { expectedRevision: 'any', idempotencyKey: key, requestHash: 'same' })));
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
        expect(new Set(results.map((r) => r.position)).size).toBe(1);
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('a failed append does not burn its key', async () => {
        const s = stream('idem-failed');
        const key = randomUUID();
        await expect(store.append(s, [event('e')], { expectedRevision: 3, idempotencyKey: key, requestHash: 'h' })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.append(s, [event('e')], { expectedRevision: 'no-stream', idempotencyKey: key, requestHash: 'h' })).toMatchObject({ duplicate: false });
      });
    });

    describe('tenancy', () => {
      it('a stream never takes events of another tenant', async () => {
        const s = stream('tenant');
        await store.append(s, [event('e', {}, 'tenant-a')], { expectedRevision: 'no-stream' });
        await expect(store.append(s, [event('e', {}, 'tenant-b')], { expectedRevision: 0 })).rejects.toBeInstanceOf(StreamTenantMismatchError);
        await expect(store.append(stream('tenant'), [event('e', {}, 'tenant-a'), event('e', {}, 'tenant-b')], { expectedRevision: 'any' }))
          .rejects.toBeInstanceOf(StreamTenantMismatchError);
      });
    });

    describe('subscribeAll', () => {
      it('catches up from a position, then delivers new events live', async () => {
        const from = await store.headPosition();
        const s = stream('live');
        await store.append(s, [event('before.1'), event('before.2')], { expectedRevision: 'no-stream' });
        const seen: string[] = [];
        const subscription = store.subscribeAll({ fromPosition: from }, async (e) => {
          if (e.streamId === s) seen.push(e.type);
        });
        await until(() => seen.length === 2, 'catch-up');
        await store.append(s, [event('after')], { expectedRevision: 1 });
        await until(() => seen.length === 3, 'the live event');
        await subscription.stop();
        expect(seen).toEqual(['before.1', 'before.2', 'after']);
      });

      it('a failing handler ends the subscription with its error', async () => {
        const from = await store.headPosition();
        await store.append(stream('boom'), [event('e')], { expectedRevision: 'any' });
        const subscription = store.subscribeAll({ fromPosition: from }, async () => {
          throw new Error('handler failed');
        });
        await expect(subscription.done).rejects.toThrow('handler failed');
        await expect(subscription.stop()).rejects.toThrow('handler failed');
      });
    });

    describe('hash chains', () => {
      it('an untouched store verifies', async () => {
        const prefix = `verify-${randomUUID()}`;
        await store.append(`${prefix}-a`, [event('e1'), event('e2')], { expectedRevision: 'no-stream' });
        await store.append(`${prefix}-a`, [event('e3')], { expectedRevision: 1 });
        await store.append(`${prefix}-b`, [event('e1')], { expectedRevision: 'no-stream' });
        expect(await store.verifyChains({ streamPrefix: prefix })).toEqual({ ok: true, streams: 2, events: 4 });
        expect(await store.verifyChains()).toMatchObject({ ok: true });
      });

      it('an event altered in the database breaks its stream\'s chain, and only that one', async () => {
        if (!harness.tamper) throw new Error('this adapter must let the contract tamper with a stored event');
        const prefix = `tamper-${randomUUID()}`;
        await store.append(`${prefix}-clean`, [event('e1')], { expectedRevision: 'no-stream' });
        await store.append(`${prefix}-victim`, [event('granted', { scope: 'treatment' }), event('revoked', {})], { expectedRevision: 'no-stream' });
        await harness.tamper(`${prefix}-victim`, 0, { scope: 'marketing' });

        expect(await store.verifyChains({ streamPrefix: prefix })).toEqual({
          ok: false, streamId: `${prefix}-victim`, revision: 0, reason: expect.stringMatching(/altered/),
        });
        expect(await store.verifyChains({ streamPrefix: `${prefix}-clean` })).toEqual({ ok: true, streams: 1, events: 1 });
      });
    });
  });
}
