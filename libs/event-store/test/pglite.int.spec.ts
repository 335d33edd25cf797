import { PostgresEventStore } from '@app/event-store';
import { createTestPgliteDatabase } from '../../../test/support/database';
import { describeEventStoreContract } from './event-store.contract';
import { describePostgresSchemaChecks } from './postgres-schema.checks';
import { tamperWithEventData } from './tamper';

describeEventStoreContract('PGlite (embedded)', async () => {
  const database = await createTestPgliteDatabase();
  const store = await PostgresEventStore.create(database.db);
  return {
    store,
    tamper: (streamId, revision, data) => tamperWithEventData(database.db, streamId, revision, data),
    close: () => database.drop(),
  };
}, { concurrentTransactions: false });

describePostgresSchemaChecks('PGlite (embedded)', () => createTestPgliteDatabase());
