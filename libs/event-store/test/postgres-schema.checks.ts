import { randomUUID } from 'node:crypto';
import { eventHash, NewEvent, POSITION_INDEX_BITS, PostgresEventStore } from '@app/event-store';
import type { Database } from '@app/platform/database';

const event = (type: string): NewEvent => ({
  type,
  data: { type },
  metadata: { tenantId: 't', effectiveAt: '2026-01-01T00:00:00Z', recordedAt: '2026-01-01T00:00:00Z', schemaVersion: 1 },
});

/** Checks of the PostgreSQL schema itself, on whichever engine `open` provides (server or PGlite). */
export function describePostgresSchemaChecks(name: string, open: () => Promise<{ db: Database; drop(): Promise<void> }>): void {
  describe(`PostgreSQL event store schema: ${name}`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    let store: PostgresEventStore;
    beforeAll(async () => {
      ({ db, drop } = await open());
      store = await PostgresEventStore.create(db);
    });
    afterAll(() => drop());

    it('has the xid8 functions positions are built from', async () => {
      const [row] = await db.query<{ xid: string; xmin: string }>(
        'SELECT pg_current_xact_id()::text AS xid, pg_snapshot_xmin(pg_current_snapshot())::text AS xmin',
      );
      expect(BigInt(row.xid)).toBeGreaterThan(0n);
      expect(BigInt(row.xmin)).toBeLessThanOrEqual(BigInt(row.xid));
    });

    it('makes a position of the transaction id and the index within the transaction', async () => {
      const s = `pos-${randomUUID()}`;
      const result = await store.append(s, [event('a'), event('b'), event('c')], { expectedRevision: 'no-stream' });
      const rows = await db.query<{ position: string; xid: string }>(
        'SELECT position::text AS position, transaction_id::text AS xid FROM ledger_events WHERE stream_id = $1 ORDER BY revision',
        [s],
      );
      const xid = BigInt(rows[0].xid);
      expect(rows.map((r) => BigInt(r.position))).toEqual([0n, 1n, 2n].map((i) => (xid << BigInt(POSITION_INDEX_BITS)) + i));
      expect(result.position).toBe((xid << BigInt(POSITION_INDEX_BITS)) + 2n);
    });

    it('keeps positions distinct when one transaction appends twice', async () => {
      const [a, b] = [`twice-a-${randomUUID()}`, `twice-b-${randomUUID()}`];
      const call = (stream: string, type: string) =>
        `SELECT out_position::text AS position FROM ledger_append('${stream}', '${JSON.stringify(stream)}', -1, ` +
        `'[{"id":"${randomUUID()}","type":"${type}","typeJson":"\\"${type}\\"","tenantId":"t","data":"{}","metadata":"{}"}]'::jsonb, NULL, NULL)`;
      const positions = await db.transaction(async (tx) => [
        ...(await tx.query<{ position: string }>(call(a, 'x'))),
        ...(await tx.query<{ position: string }>(call(b, 'y'))),
      ]);
      expect(BigInt(positions[1].position)).toBe(BigInt(positions[0].position) + 1n);
      expect((await store.verifyChains({ streamPrefix: 'twice-' })).ok).toBe(true);
    });

    it('refuses to update or delete a recorded event', async () => {
      const s = `guarded-${randomUUID()}`;
      await store.append(s, [event('a')], { expectedRevision: 'no-stream' });
      await expect(db.query("UPDATE ledger_events SET type = 'b' WHERE stream_id = $1", [s])).rejects.toThrow(/append-only/);
      await expect(db.query('DELETE FROM ledger_events WHERE stream_id = $1', [s])).rejects.toThrow(/append-only/);
    });

    it('notices a removed last event through the stream head', async () => {
      const s = `truncated-${randomUUID()}`;
      await store.append(s, [event('a'), event('b')], { expectedRevision: 'no-stream' });
      await db.transaction(async (tx) => {
        await tx.query('ALTER TABLE ledger_events DISABLE TRIGGER ledger_events_append_only');
        await tx.query('DELETE FROM ledger_events WHERE stream_id = $1 AND revision = 1', [s]);
        await tx.query('ALTER TABLE ledger_events ENABLE TRIGGER ledger_events_append_only');
      });
      expect(await store.verifyChains({ streamPrefix: s })).toMatchObject({ ok: false, streamId: s, revision: 1 });
    });

    it('hashes in SQL exactly as eventHash does in TypeScript', async () => {
      const s = `sql-hash-${randomUUID()}`;
      await store.append(s, [event('a'), event('b')], { expectedRevision: 'no-stream' });
      const [first, second] = await store.readStream(s);
      expect(eventHash(first, null)).toBe(first.hash);
      expect(eventHash(second, first.hash)).toBe(second.hash);
    });

    it('reads the log in numeric position order when positions gain a digit', async () => {
      // Transaction ids 9 and 10 give positions 9,437,184 and 10,485,760: as text, the second sorts first. Rows are
      // written directly (old transaction ids, so every reader sees them), the higher position first.
      const insert = (xid: number, stream: string) => db.query(
        `INSERT INTO ledger_events (position, transaction_id, id, stream_id, revision, tenant_id, type, data, metadata, hash, prev_hash)
         VALUES ($1::bigint, $2::text::xid8, $3::uuid, $4, 0, 't', 'digit', '{}'::jsonb, $5::jsonb, 'h', NULL)`,
        [(BigInt(xid) << BigInt(POSITION_INDEX_BITS)).toString(), String(xid), randomUUID(), stream,
          JSON.stringify({ tenantId: 't', effectiveAt: '2026-01-01T00:00:00Z', recordedAt: '2026-01-01T00:00:00Z', schemaVersion: 1 })]);
      const [nine, ten] = [`digit-9-${randomUUID()}`, `digit-10-${randomUUID()}`];
      await insert(10, ten);
      await insert(9, nine);
      const read = await store.readAll({ fromPosition: 0n, maxCount: 2 });
      expect(read.map((e) => e.streamId)).toEqual([nine, ten]);
      expect(read.map((e) => e.position)).toEqual([9n << BigInt(POSITION_INDEX_BITS), 10n << BigInt(POSITION_INDEX_BITS)]);
      const after = await store.readAll({ fromPosition: read[0].position, maxCount: 1 });
      expect(after.map((e) => e.streamId)).toEqual([ten]);
    });
  });
}
