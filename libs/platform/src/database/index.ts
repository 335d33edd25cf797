export { Database, DatabaseClosedError, Queryable, Unlisten } from './database';
export { DataDirectoryLockedError, DirectoryLock, LOCK_FILE_NAME, lockDirectory } from './directory-lock';
export { Migration, migrate } from './migrate';
export { OpenDatabaseOptions, openDatabase } from './open-database';
export { PgDatabase, PgDatabaseOptions, quoteIdent, redactConnectionString } from './pg-database';
export { PGliteDatabase, PGliteDatabaseOptions } from './pglite-database';
