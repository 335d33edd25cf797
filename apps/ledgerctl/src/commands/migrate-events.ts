import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { type EventStore, EventStoreDbEventStore, type Position, PostgresEventStore, WrongExpectedRevisionError } from '@app/event-store';
import { loadConfig } from '@app/platform';
import { openDatabase } from '@app/platform/database';

export const MIGRATE_EVENTS_USAGE = `  ledgerctl migrate-events --from postgres|eventstoredb --to eventstoredb|postgres
      Copy the whole log from one event store to the other in global order, keeping stream ids, revisions, event ids
      and metadata, so every hash is the same on both sides (checked per event). Uses DATABASE_URL (or the embedded
      PGlite) and EVENTSTORE_CONNECTION_STRING. Safe to run again: events already copied are skipped.
`;

export interface MigrationProgress { copied: number; skipped: number; position: Position; head: Position }

/**
 * Copies every event of `from` into `to`, in global order, each appended at the revision it has in the source, so
 * stream order, ids and hash chains are preserved. An event already in the target (a rerun) is skipped after its hash
 * is compared; a different event at that revision stops the migration.
 */
export async function migrateEvents(
  from: EventStore,
  to: EventStore,
  options: { batchSize?: number; onProgress?: (p: MigrationProgress) => void } = {},
): Promise<{ copied: number; skipped: number; position: Position }> {
  const head = await from.headPosition();
  let position: Position = 0n;
  let copied = 0;
  let skipped = 0;
  for (;;) {
    const batch = await from.readAll({ fromPosition: position, maxCount: options.batchSize ?? 500 });
    if (batch.length === 0) break;
    for (const event of batch) {
      try {
        await to.append(event.streamId, [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }], {
          expectedRevision: event.revision === 0 ? 'no-stream' : event.revision - 1,
        });
        copied++;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || error.actual < event.revision) throw error;
        skipped++;
      }
      const [target] = (await to.readStream(event.streamId)).filter((e) => e.revision === event.revision);
      if (target?.id !== event.id || target.hash !== event.hash) {
        throw new Error(`${event.streamId} revision ${event.revision}: the target holds another event (id or hash differs); nothing more copied`);
      }
      position = event.position;
    }
    options.onProgress?.({ copied, skipped, position, head: head > position ? head : position });
  }
  return { copied, skipped, position };
}

export async function migrateEventsCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' } } });
  const kinds = ['postgres', 'eventstoredb'];
  if (!values.from || !values.to || !kinds.includes(values.from) || !kinds.includes(values.to) || values.from === values.to) {
    throw new Error(`--from and --to must be postgres and eventstoredb, one each\n\n${MIGRATE_EVENTS_USAGE}`);
  }
  const config = loadConfig(process.env);
  if (!config.eventStoreConnectionString) throw new Error('EVENTSTORE_CONNECTION_STRING is required');
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const esdb = EventStoreDbEventStore.connect(config.eventStoreConnectionString);
  try {
    const postgres = await PostgresEventStore.create(db);
    const [source, target] = values.from === 'postgres' ? [postgres, esdb] : [esdb, postgres];
    const bar = new SingleBar({ format: 'events {bar} {percentage}% | {copied} copied, {skipped} already there', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 2000 }, Presets.shades_classic);
    bar.start(100, 0, { copied: 0, skipped: 0 });
    const result = await migrateEvents(source, target, {
      onProgress: (p) => bar.update(p.head === 0n ? 100 : Number((p.position * 100n) / p.head), { copied: p.copied, skipped: p.skipped }),
    });
    bar.update(100, { copied: result.copied, skipped: result.skipped });
    bar.stop();
    const verified = await target.verifyChains();
    process.stdout.write(`${result.copied} events copied, ${result.skipped} already there; target chains ${verified.ok ? 'verify' : `FAIL: ${JSON.stringify(verified)}`}\n`);
    if (!verified.ok) process.exitCode = 1;
  } finally {
    await esdb.close();
    await db.close();
  }
}
