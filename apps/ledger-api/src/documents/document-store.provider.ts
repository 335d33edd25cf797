import type { Provider } from '@nestjs/common';
import { type DocumentStore, DOCUMENTS_MIGRATION, SqlDocumentStore } from '@app/documents';
import { type Database, migrate } from '@app/platform/database';
import { DATABASE } from '../ledger/tokens';

/** Injection token of the document storage port. */
export const DOCUMENT_STORE = Symbol('DocumentStore');

/** Documents live in the ledger's database (PostgreSQL or PGlite), beside the events that name them. */
export const documentStoreProvider: Provider = {
  provide: DOCUMENT_STORE,
  inject: [DATABASE],
  useFactory: async (db: Database): Promise<DocumentStore> => {
    await migrate(db, [DOCUMENTS_MIGRATION]);
    return new SqlDocumentStore(db);
  },
};
