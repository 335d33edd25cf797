import type { Database } from '@app/platform/database';

/** What someone with owner rights could do: lift the append-only guard and rewrite an event's data. */
export async function tamperWithEventData(db: Database, streamId: string, revision: number, data: unknown): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('ALTER TABLE ledger_events DISABLE TRIGGER ledger_events_append_only');
    await tx.query('UPDATE ledger_events SET data = $3::jsonb WHERE stream_id = $1 AND revision = $2', [streamId, revision, JSON.stringify(data)]);
    await tx.query('ALTER TABLE ledger_events ENABLE TRIGGER ledger_events_append_only');
  });
}
