import { PostgresEventStore } from '@app/event-store';
import { createTestPgDatabase, TestPgDatabase } from '../../../test/support/database';
import { describeEventStoreContract } from './event-store.contract';
import { describePostgresSchemaChecks } from './postgres-schema.checks';
import { tamperWithEventData } from './tamper';

describeEventStoreContract('PostgreSQL server (pg)', async () => {
  const database: TestPgDatabase = await createTestPgDatabase();
  const store = await PostgresEventStore.create(database.db);
  return {
    store,
    withSlowCommits: (isSlow, delayMs) =>
      new PostgresEventStore(database.db, {
        beforeCommit: async (tx, streamId) => {
          if (isSlow(streamId)) await tx.query('SELECT pg_sleep($1::float8)', [delayMs / 1000]);
        },
      }),
    tamper: (streamId, revision, data) => tamperWithEventData(database.db, streamId, revision, data),
    close: () => database.drop(),
  };
}, { concurrentTransactions: true });

describePostgresSchemaChecks('PostgreSQL server (pg)', createTestPgDatabase);
