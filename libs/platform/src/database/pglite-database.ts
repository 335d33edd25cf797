import type { PGlite as PGliteType, Results, Transaction } from '@electric-sql/pglite';
import { AsyncLocalStorage } from 'node:async_hooks';
import Module from 'node:module';
import { Database, DatabaseClosedError, Queryable, Unlisten } from './database';
import { DirectoryLock, lockDirectory } from './directory-lock';

export interface PGliteDatabaseOptions {
  /** Data directory; omitted = in memory (tests). Guarded by `<dataDir>/ledger.lock`. */
  dataDir?: string;
}

type Runner = Pick<PGliteType | Transaction, 'query' | 'exec'>;

/*
 * PGlite loads its WebAssembly and its file system through dynamic import(), which Jest's
 * CommonJS sandbox refuses without --experimental-vm-modules. Jest hands out a subclass of Node's
 * Module whose createRequire stays inside the sandbox; its parent class is Node's own, which loads
 * PGlite outside it. In a normal process the parent is Function.prototype and the plain Module is
 * used. Values PGlite builds may then come from another realm, so the parsers below are ours
 * (Dates and parsed JSON of this realm) and its errors are re-thrown as this realm's Error.
 */
const parentModule = Object.getPrototypeOf(Module) as Partial<typeof Module>;
const NodeModule = typeof parentModule.createRequire === 'function' ? (parentModule as typeof Module) : Module;
const { PGlite, types } = NodeModule.createRequire(__filename)('@electric-sql/pglite') as typeof import('@electric-sql/pglite');

/**
 * `Database` over embedded PGlite. PGlite is a single connection, so every query and every
 * transaction goes through one in-process FIFO queue: a transaction owns the connection from
 * BEGIN to COMMIT, and no other caller's statement can land inside it.
 */
export class PGliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly insideTransaction = new AsyncLocalStorage<true>();

  private constructor(private readonly pg: PGliteType, private readonly lock?: DirectoryLock) {}

  static async open(options: PGliteDatabaseOptions = {}): Promise<PGliteDatabase> {
    const lock = options.dataDir === undefined ? undefined : lockDirectory(options.dataDir);
    try {
      const pg = new PGlite({ dataDir: options.dataDir, parsers: PARSERS });
      await pg.waitReady;
      return new PGliteDatabase(pg, lock);
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.exclusive(() => run<T>(this.pg, sql, params));
  }

  transaction<R>(fn: (tx: Queryable) => Promise<R>): Promise<R> {
    return this.exclusive(() =>
      this.pg.transaction((t) =>
        this.insideTransaction.run(true, () => fn({ query: (sql, params) => run(t, sql, params) })),
      ),
    );
  }

  listen(channel: string, onNotify: (payload: string) => void): Promise<Unlisten> {
    return this.exclusive(async () => {
      const unlisten = await this.pg.listen(channel, onNotify);
      return () => this.exclusive(() => unlisten()).catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const drained = this.tail;
    this.closed = true;
    await drained;
    try {
      await this.pg.close();
    } finally {
      this.lock?.release();
    }
  }

  private exclusive<R>(work: () => Promise<R>): Promise<R> {
    if (this.closed) return Promise.reject(new DatabaseClosedError(this.kind));
    if (this.insideTransaction.getStore()) {
      // Queueing here would wait for the very transaction that is waiting for us.
      return Promise.reject(
        new Error('PGliteDatabase: use the transaction handle (tx.query) inside transaction(); the database itself would deadlock'),
      );
    }
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** The shapes node-postgres returns, so callers see the same values on both adapters. */
const PARSERS: Record<number, (value: string) => unknown> = {
  [types.INT8]: (v) => v,
  [types.NUMERIC]: (v) => v,
  [types.JSON]: (v) => JSON.parse(v),
  [types.JSONB]: (v) => JSON.parse(v),
  [types.TIMESTAMPTZ]: (v) => new Date(isoTimestamp(v)),
  [types.TIMESTAMP]: (v) => new Date(isoTimestamp(v).replace(/[+-]\d\d(:\d\d)?$/, '')),
};

/** '2026-11-23 17:41:56.217+00' → '2026-11-23T17:41:56.217+00:00' */
function isoTimestamp(value: string): string {
  return value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
}

const ERROR_FIELDS = [
  'code', 'detail', 'hint', 'severity', 'position', 'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine',
] as const;

async function run<T>(runner: Runner, sql: string, params?: readonly unknown[]): Promise<T[]> {
  try {
    if (params === undefined || params.length === 0) {
      // Simple protocol, several statements allowed: mirrors node-postgres without parameters.
      const results: Results[] = await runner.exec(sql);
      return (results[results.length - 1]?.rows ?? []) as T[];
    }
    const result = await runner.query<T>(sql, params as unknown[]);
    return result.rows;
  } catch (error) {
    throw localError(error);
  }
}

/** PGlite's DatabaseError as an Error of this realm, with the same fields node-postgres sets. */
function localError(error: unknown): Error {
  if (typeof error !== 'object' || error === null || error instanceof Error) return error as Error;
  const source = error as Record<string, unknown>;
  const local = new Error(String(source.message), { cause: error }) as Error & Record<string, unknown>;
  local.name = 'DatabaseError';
  for (const field of ERROR_FIELDS) if (source[field] !== undefined) local[field] = source[field];
  return local;
}
