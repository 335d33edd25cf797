import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { jsonEvent } from '@kurrent/kurrentdb-client';
import { type EventStore, EventStoreDbEventStore, PostgresEventStore, type RecordedEvent } from '@app/event-store';
import { loadConfig } from '@app/platform';
import { LedgerModule } from '../../../apps/ledger-api/src/ledger/ledger.module';
import { EVENT_STORE } from '../../../apps/ledger-api/src/ledger/tokens';
import { migrateEvents } from '../../../apps/ledgerctl/src/commands/migrate-events';
import { createTestPgDatabase, createTestPgDatabaseUrl } from '../../../test/support/database';
import { describeEventStoreContract } from './event-store.contract';

const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

if (connectionString) {
  describeEventStoreContract('EventStoreDB / KurrentDB', async () => {
    const store = EventStoreDbEventStore.connect(connectionString);
    return {
      store,
      // Events in the log cannot be edited: an attacker with admin rights deletes the stream and writes altered copies
      // (new ids, the original chain metadata) in its place.
      tamper: async (streamId, revision, data) => {
        const originals = [];
        for await (const item of store.client.readStream(streamId)) if (item.event) originals.push(item.event);
        await store.client.deleteStream(streamId);
        await store.client.appendToStream(streamId, originals.map((e) => jsonEvent({
          id: randomUUID(),
          type: e.type,
          data: (e.revision === BigInt(revision) ? data : e.data) as Record<string, unknown>,
          metadata: e.metadata as Record<string, unknown>,
        })));
      },
      close: () => store.close(),
    };
  }, { concurrentTransactions: false });

  describe('ledgerctl migrate-events with EventStoreDB', () => {
    it('copies PostgreSQL to EventStoreDB and back with the same order, ids and hashes', async () => {
      const [source, back] = [await createTestPgDatabase(), await createTestPgDatabase()];
      const esdb = EventStoreDbEventStore.connect(connectionString);
      try {
        const from = await PostgresEventStore.create(source.db);
        const tag = randomUUID();
        await writeHistory(from, tag);
        await migrateEvents(from, esdb);
        const returned = await PostgresEventStore.create(back.db);
        await migrateEvents(esdb, returned);
        const fingerprint = async (store: EventStore) => (await store.readAll({ maxCount: 10_000 }))
          .filter((e) => e.streamId.includes(tag)).map((e) => [e.streamId, e.revision, e.id, e.hash]);
        expect(await fingerprint(esdb)).toEqual(await fingerprint(from));
        expect(await fingerprint(returned)).toEqual(await fingerprint(from));
      } finally {
        await esdb.close();
        await source.drop();
        await back.drop();
      }
    });
  });
} else {
  console.log('EventStoreDB contract suite not run: EVENTSTORE_CONNECTION_STRING is not set (no server reachable).');
}

/**
 * Three interleaved streams of one tenant, written in several appends; resolves once a global reader sees them all
 * (on PostgreSQL a transaction open elsewhere on the server holds readers back for a moment).
 */
async function writeHistory(store: EventStore, tag: string): Promise<void> {
  let last = 0n;
  const metadata = (n: number) => ({
    tenantId: 'acme', actor: 'migration-test', effectiveAt: `2026-01-01T00:00:0${n % 10}.000Z`, recordedAt: '2026-01-01T00:01:00.000Z', schemaVersion: 1,
  });
  for (let round = 0; round < 4; round++) {
    for (const s of ['a', 'b', 'c']) {
      ({ position: last } = await store.append(`subject-${tag}-${s}`, [
        { type: 'test.happened.v1', data: { round, s, text: 'é "q"' }, metadata: metadata(round) },
        { type: 'test.followed.v1', data: { round }, metadata: metadata(round + 1) },
      ], { expectedRevision: round === 0 ? 'no-stream' : round * 2 - 1 }));
    }
  }
  const deadline = Date.now() + 30_000;
  while ((await store.headPosition()) < last) {
    if (Date.now() > deadline) throw new Error('the appended events never became visible to global readers');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ledgerctl migrate-events', () => {
  it('copies a log in global order keeping stream ids, revisions, event ids and hashes; a rerun copies nothing', async () => {
    const [source, target] = [await createTestPgDatabase(), await createTestPgDatabase()];
    try {
      const from = await PostgresEventStore.create(source.db);
      const to = await PostgresEventStore.create(target.db);
      await writeHistory(from, randomUUID());
      const first = await migrateEvents(from, to, { batchSize: 5 });
      expect(first).toMatchObject({ copied: 24, skipped: 0 });
      const strip = (events: RecordedEvent[]) => events.map(({ streamId, revision, id, type, data, metadata, hash, prevHash }) =>
        ({ streamId, revision, id, type, data, metadata, hash, prevHash }));
      const original = await from.readAll({ maxCount: 100 });
      const copy = await to.readAll({ maxCount: 100 });
      expect(strip(copy)).toEqual(strip(original));
      expect(await to.verifyChains()).toEqual({ ok: true, streams: 3, events: 24 });
      expect(await migrateEvents(from, to)).toMatchObject({ copied: 0, skipped: 24 });
    } finally {
      await source.drop();
      await target.drop();
    }
  });
});

describe('EVENT_STORE=eventstoredb', () => {
  it('selects the EventStoreDB adapter where the event store is constructed', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ledger-esdb-'));
    const database = await createTestPgDatabaseUrl();
    try {
      // The client connects on first use: the selection needs no server.
      const config = loadConfig({
        LEDGER_DATA_DIR: dataDir, DATABASE_URL: database.url, EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: 'kurrentdb://127.0.0.1:1?tls=false', LOG_LEVEL: 'error',
      });
      const module = await Test.createTestingModule({ imports: [LedgerModule.forRoot({ config })] }).compile();
      expect(module.get(EVENT_STORE)).toBeInstanceOf(EventStoreDbEventStore);
      await module.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await database.drop();
    }
  });
});
