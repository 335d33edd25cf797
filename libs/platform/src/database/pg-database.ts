import { createHash } from 'node:crypto';
import { Client, Pool, type PoolConfig, type QueryConfig, type QueryResult } from 'pg';
import { Database, DatabaseClosedError, Queryable, Unlisten } from './database';

export interface PgDatabaseOptions {
  /** Pool size; default 10. */
  max?: number;
  applicationName?: string;
  /**
   * Parameterised statements are prepared once per connection (named after a hash of their text) and then only
   * bound and executed: PostgreSQL skips parsing and, once it settles on a generic plan, planning. On by default;
   * turn off behind a pooler in transaction mode (PgBouncer before 1.21), which cannot keep prepared statements.
   */
  preparedStatements?: boolean;
  /**
   * PostgreSQL's `plan_cache_mode` on every connection of this pool; default: the server's (normally `auto`, which
   * keeps re-planning a prepared statement while its generic plan is priced above the custom ones — as for keys passed
   * as an array, priced at 10 elements when a call passes 1 or 2). `force_generic_plan` plans each statement once per
   * connection: give it to a pool whose statements have one good plan for every argument, not to the main pool.
   */
  planCacheMode?: 'auto' | 'force_generic_plan' | 'force_custom_plan';
}

/** Distinct statement texts named; past this, statements run unnamed (generated SQL must not grow it forever). */
const MAX_NAMED_STATEMENTS = 2_000;

/** `Database` over a `pg.Pool` on a real PostgreSQL server. */
export class PgDatabase implements Database {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;
  private closed = false;
  private listener?: Promise<Client>;
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();
  private readonly names = new Map<string, string>();
  private readonly prepare: boolean;

  constructor(private readonly connectionString: string, options: PgDatabaseOptions = {}) {
    const config: PoolConfig = {
      connectionString,
      max: options.max ?? 10,
      application_name: options.applicationName ?? 'consent-ledger',
    };
    if (options.planCacheMode !== undefined) addStartupOptions(config, `-c plan_cache_mode=${options.planCacheMode}`);
    this.prepare = options.preparedStatements ?? true;
    this.pool = new Pool(config);
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
  }

  async query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    if (this.closed) throw new DatabaseClosedError(this.kind);
    return rowsOf<T>(await this.pool.query(this.statement(sql, params)));
  }

  async transaction<R>(fn: (tx: Queryable) => Promise<R>): Promise<R> {
    if (this.closed) throw new DatabaseClosedError(this.kind);
    const client = await this.pool.connect();
    // A connection whose BEGIN/COMMIT/ROLLBACK failed is in an unknown state: destroy it, never reuse it.
    let broken: Error | undefined;
    const control = (sql: string) => client.query(sql).catch((error: Error) => {
      broken = error;
      throw error;
    });
    try {
      await control('BEGIN');
      const tx: Queryable = {
        query: async <T>(sql: string, params?: readonly unknown[]) =>
          rowsOf<T>(await client.query(this.statement(sql, params))),
      };
      let result: R;
      try {
        result = await fn(tx);
      } catch (error) {
        await control('ROLLBACK').catch(() => undefined);
        throw error;
      }
      await control('COMMIT');
      return result;
    } finally {
      client.release(broken);
    }
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<Unlisten> {
    if (this.closed) throw new DatabaseClosedError(this.kind);
    const client = await this.listenerClient();
    let handlers = this.listeners.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.listeners.set(channel, handlers);
      await client.query(`LISTEN ${quoteIdent(channel)}`);
    }
    handlers.add(onNotify);
    return async () => {
      const set = this.listeners.get(channel);
      if (!set?.delete(onNotify) || set.size > 0) return;
      this.listeners.delete(channel);
      if (!this.closed) await client.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const listener = this.listener;
    this.listener = undefined;
    if (listener) await listener.then((c) => c.end()).catch(() => undefined);
    await this.pool.end();
  }

  /** The statement as sent: named (prepared once per connection) when it has parameters, as pg caches by name. */
  private statement(text: string, params?: readonly unknown[]): QueryConfig {
    const values = params as unknown[] | undefined;
    if (!this.prepare || values === undefined || values.length === 0) return { text, values };
    let name = this.names.get(text);
    if (name === undefined && this.names.size < MAX_NAMED_STATEMENTS) {
      name = `ledger_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      this.names.set(text, name);
    }
    return { name, text, values };
  }

  /** One dedicated connection carries every LISTEN, so notifications never occupy a pool slot. */
  private listenerClient(): Promise<Client> {
    if (!this.listener) {
      const client = new Client({ connectionString: this.connectionString, application_name: 'consent-ledger-listen' });
      client.on('notification', (n) => {
        for (const handler of this.listeners.get(n.channel) ?? []) handler(n.payload ?? '');
      });
      // A lost listener connection only costs latency: subscribers keep polling.
      client.on('error', () => {
        if (this.listener === connecting) this.listener = undefined;
        this.listeners.clear();
      });
      const connecting: Promise<Client> = client.connect().then(() => client);
      connecting.catch(() => {
        if (this.listener === connecting) this.listener = undefined;
      });
      this.listener = connecting;
    }
    return this.listener;
  }
}

/**
 * Appends settings to the `options` startup parameter, after those already asked for. pg sends one: the connection
 * string's `options` when it has one (config.options is then ignored), else config.options, else PGOPTIONS.
 */
function addStartupOptions(config: PoolConfig, settings: string): void {
  const url = config.connectionString && URL.canParse(config.connectionString) ? new URL(config.connectionString) : undefined;
  const inUrl = url?.searchParams.get('options');
  if (url && inUrl) {
    url.searchParams.set('options', `${inUrl} ${settings}`);
    config.connectionString = url.toString();
  } else {
    config.options = [process.env.PGOPTIONS, settings].filter(Boolean).join(' ');
  }
}

function rowsOf<T>(result: QueryResult | QueryResult[]): T[] {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  return (last?.rows ?? []) as T[];
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The connection string without its password, for error messages and logs. */
export function redactConnectionString(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable connection string)';
  }
}
