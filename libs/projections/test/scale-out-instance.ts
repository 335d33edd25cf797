/**
 * One projector instance of the scale-out test, run as its own process (so that it can be killed): a
 * PartitionedProjector over PROJECTIONS on DATABASE_URL until SIGTERM. Started by scale-out.int.spec.ts.
 */
import { PostgresEventStore } from '@app/event-store';
import { openDatabase } from '@app/platform/database';
import { PROJECTIONS } from '@app/projections';
import { PartitionedProjector } from '@app/projections/partitioned/partitioned-projector';

async function main(): Promise<void> {
  const db = await openDatabase({ databaseUrl: process.env.DATABASE_URL!, dataDir: process.env.LEDGER_DATA_DIR! });
  const store = new PostgresEventStore(db);
  const projector = new PartitionedProjector(db, store, PROJECTIONS, {
    instanceId: process.env.INSTANCE_ID,
    partitions: Number(process.env.PARTITIONS),
    leaseMs: Number(process.env.LEASE_MS),
    batchSize: 40,
    faultDelayMs: Number(process.env.FAULT_DELAY_MS ?? 0),
    onError: (name, error) => process.stderr.write(`${name}: ${String(error)}\n`),
  });
  await projector.start();
  process.stdout.write('started\n');
  process.once('SIGTERM', () => {
    void projector.stop().then(() => db.close()).then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
