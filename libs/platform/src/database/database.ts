/**
 * The one SQL surface the ledger uses. Both adapters speak PostgreSQL's dialect (the real server
 * through `pg`, the embedded one through PGlite), so every repository, migration and the event
 * store run the same SQL on either.
 *
 * Conventions shared by both adapters, so results do not depend on the backend:
 * - bigint (int8) and numeric come back as decimal strings, never as JS numbers;
 * - timestamptz comes back as a Date, json/jsonb as parsed values;
 * - a query WITHOUT parameters uses the simple protocol and may hold several statements (the
 *   rows of the last one are returned); a query with parameters is a single statement.
 */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export type Unlisten = () => Promise<void>;

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction (READ COMMITTED): committed when it resolves, rolled back when it throws. */
  transaction<R>(fn: (tx: Queryable) => Promise<R>): Promise<R>;
  /**
   * LISTEN on a channel; `onNotify` is called for each NOTIFY delivered after commit. Best effort:
   * callers must not rely on it for correctness (a dropped connection loses notifications).
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<Unlisten>;
  close(): Promise<void>;
}

/** Raised when work is submitted to a database that was closed. */
export class DatabaseClosedError extends Error {
  readonly code = 'database-closed';
  constructor(kind: string) {
    super(`the ${kind} database is closed`);
    this.name = 'DatabaseClosedError';
  }
}
