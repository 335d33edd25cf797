import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@app/platform';
import { issueToken, KeySet } from '@app/security';
import type { EventStore } from '@app/event-store';
import { createApp } from '../../apps/ledger-api/src/bootstrap';
import { EVENT_STORE, type Clock } from '../../apps/ledger-api/src/ledger/tokens';
import { createTestPgDatabaseUrl } from './database';

/** A settable clock for the application; the domain never reads time itself. */
export class FakeClock implements Clock {
  constructor(private current = new Date('2026-11-23T14:00:00Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface Response<T = any> { status: number; headers: Record<string, unknown>; body: T; text: string }

export interface RequestOptions { token?: string; body?: unknown; payload?: string; headers?: Record<string, string> }

export const ALL_SCOPES = ['consent:write', 'consent:read', 'eligibility:check', 'audit:read', 'admin'];

export interface TestLedger {
  app: NestFastifyApplication;
  clock: FakeClock;
  store: EventStore;
  dataDir: string;
  /** The PostgreSQL database of this ledger (postgres backend only). */
  databaseUrl?: string;
  token(tenant: string, scopes?: string[], subject?: string): Promise<string>;
  request<T = any>(method: string, url: string, options?: RequestOptions): Promise<Response<T>>;
  /** Stops the application (once), keeping its database and data folder: for tests of what shutdown leaves. */
  closeApp(): Promise<void>;
  close(): Promise<void>;
}

/** The whole API over HTTP (Fastify inject), on a fresh PGlite directory or a fresh database on the real server. */
export async function startLedger(options: {
  backend?: 'pglite' | 'postgres';
  clock?: FakeClock;
  /** More configuration, e.g. LEDGER_ROLES: 'api' to run without the in-process projector and scheduler. */
  env?: Record<string, string>;
} = {}): Promise<TestLedger> {
  const backend = options.backend ?? 'pglite';
  const dataDir = await mkdtemp(join(tmpdir(), 'ledger-e2e-'));
  const database = backend === 'postgres' ? await createTestPgDatabaseUrl() : undefined;
  const config = loadConfig({ LEDGER_DATA_DIR: dataDir, DATABASE_URL: database?.url, LOG_LEVEL: 'error', ...options.env });
  const clock = options.clock ?? new FakeClock();
  const app = await createApp(config, { clock, logger: false });
  const keys = await KeySet.loadOrCreate(join(dataDir, 'keys'));
  let appClosed: Promise<void> | undefined;
  const closeApp = () => (appClosed ??= app.close());
  return {
    app,
    clock,
    dataDir,
    databaseUrl: database?.url,
    store: app.get<EventStore>(EVENT_STORE),
    token: (tenant, scopes = ALL_SCOPES, subject) =>
      issueToken(keys, { tenant, scopes, subject, ttlSeconds: 3600, actor: 'test' }),
    async request(method, url, { token, body, payload, headers = {} } = {}) {
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined || payload !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        payload: payload ?? (body === undefined ? undefined : JSON.stringify(body)),
      });
      let parsed: unknown = response.body;
      try {
        parsed = response.body ? JSON.parse(response.body) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.statusCode, headers: response.headers, body: parsed as any, text: response.body };
    },
    closeApp,
    async close() {
      await closeApp();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
