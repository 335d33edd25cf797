import { Client } from 'pg';

/** Only the holder of the lease publishes. */
export interface Lease {
  /** Takes the lease if it is free; answers whether this process holds it now. */
  acquire(): Promise<boolean>;
  /** False once the lease is lost (its connection died): stop publishing and acquire again. */
  readonly held: boolean;
  release(): Promise<void>;
}

/** Embedded PGlite is one process (its directory lock refuses a second): the lease is always held. */
export class LocalLease implements Lease {
  held = false;
  async acquire(): Promise<boolean> {
    this.held = true;
    return true;
  }
  async release(): Promise<void> {
    this.held = false;
  }
}

/**
 * A session-level PostgreSQL advisory lock (`pg_try_advisory_lock`) on a dedicated connection that does nothing else,
 * so it never holds a transaction open (an open xid would hold back every reader of the log). The server releases
 * the lock when the connection ends, so a crashed holder (SIGKILL) frees it at once; a standby polls and takes over.
 * A connection error or a failed liveness probe marks the lease lost.
 */
export class AdvisoryLockLease implements Lease {
  private client: Client | undefined;
  private probe: NodeJS.Timeout | undefined;
  held = false;

  constructor(private readonly databaseUrl: string, private readonly name: string, private readonly probeMs = 5000) {}

  async acquire(): Promise<boolean> {
    if (this.held) return true;
    await this.drop();
    const client = new Client({ connectionString: this.databaseUrl, keepAlive: true, connectionTimeoutMillis: 5000, application_name: `lease:${this.name}` });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      const [row] = (await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [this.name])).rows;
      if (!row?.locked) {
        await client.end().catch(() => undefined);
        return false;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    this.held = true;
    this.probe = setInterval(() => {
      client.query('SELECT 1').catch(() => this.lost(client));
    }, this.probeMs);
    this.probe.unref();
    return true;
  }

  async release(): Promise<void> {
    await this.drop();
  }

  private lost(client: Client): void {
    if (client !== this.client) return;
    this.held = false;
    void this.drop();
  }

  private async drop(): Promise<void> {
    clearInterval(this.probe);
    this.probe = undefined;
    const client = this.client;
    this.client = undefined;
    this.held = false;
    // Ending the session releases the lock.
    if (client) await client.end().catch(() => undefined);
  }
}
