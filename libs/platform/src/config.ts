import { resolve } from 'node:path';

export const ROLES = ['api', 'projector', 'relay', 'ingest', 'scheduler'] as const;
export type Role = (typeof ROLES)[number];
export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LedgerConfig {
  port: number;
  /** Address the HTTP server binds to. */
  host: string;
  grpcPort: number;
  /** The worker process's own HTTP port for /metrics and /health/live (0: any free port). */
  workerMetricsPort: number;
  dataDir: string;
  roles: Role[];
  databaseUrl: string | undefined;
  eventStore: 'postgres' | 'eventstoredb';
  eventStoreConnectionString: string | undefined;
  kafkaBrokers: string[];
  kafkaClientId: string;
  /** Partitions and replication factor of the topics the ledger creates at start (KAFKA_TOPIC_PARTITIONS, KAFKA_REPLICATION_FACTOR). */
  kafkaTopicPartitions: number;
  kafkaReplicationFactor: number;
  /** retention.ms of consent.ledger.events.v1 (KAFKA_EVENTS_RETENTION_MS; -1 keeps every event). */
  kafkaEventsRetentionMs: number;
  /** Events per relay batch (KAFKA_RELAY_BATCH_SIZE). */
  kafkaRelayBatchSize: number;
  /** Fault injection for crash tests only: a delay between the broker's acknowledgement and the relay checkpoint. */
  kafkaRelayFaultDelayMs: number;
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  jwtJwksUrl: string | undefined;
  /** Every trusted external issuer: JWT_ISSUER/JWT_AUDIENCE/JWT_JWKS_URL, then each entry of JWT_ISSUERS (JSON). */
  jwtIssuers: JwtIssuerConfig[];
  /** Leeway for `exp` / `nbf` of bearer tokens. */
  jwtClockToleranceSeconds: number;
  /** Base of links the ledger hands out (one-click unsubscribe); unset: https:// and the request's Host. */
  publicBaseUrl: string | undefined;
  /** Days an unsubscribe link stays valid (compliance.md C3: at least 60). */
  unsubscribeLinkDays: number;
  /** Days access-log entries are kept before they may be purged (45 CFR 164.530(j): six years). */
  accessLogRetentionDays: number;
  /** Requests per client (token sub + tenant, else IP) per window; 429 with Retry-After beyond. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  logLevel: LogLevel;
  /** Longest a query waits for `minPosition` before answering 503. */
  minPositionWaitMs: number;
  projectorBatchSize: number;
  /** 0: one projector instance follows the whole log; N: the log is split into N partitions shared by every instance. */
  projectorPartitions: number;
  /** /health/ready answers 503 while a projection is more than this many seconds behind the log. */
  projectionMaxLagSeconds: number;
  schedulerIntervalMs: number;
  /** Fault injection for crash tests only: a delay inside each projector batch transaction. */
  projectorFaultDelayMs: number;
}

export interface JwtIssuerConfig {
  issuer: string;
  audience?: string | string[];
  jwksUrl: string;
  /** Pinned asymmetric algorithms (default RS256, ES256). */
  algorithms?: string[];
  cacheMaxAgeMs?: number;
  cooldownMs?: number;
}

/** A bad setting stops start-up with a message naming the variable. */
export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
  }
}

type Env = Record<string, string | undefined>;

function port(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ConfigError(name, `must be a TCP port number (0-65535), got "${raw}"`);
  }
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(name, `must be an integer of at least ${min}, got "${raw}"`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be a URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}`);
  }
  return raw;
}

const ISSUER_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** JWT_ISSUERS: a JSON array of { issuer, audience, jwksUrl, algorithms?, cacheMaxAgeMs?, cooldownMs? }. */
function jwtIssuers(env: Env): JwtIssuerConfig[] {
  const issuers: JwtIssuerConfig[] = [];
  const jwksUrl = url(env, 'JWT_JWKS_URL', ['https:', 'http:']);
  if (jwksUrl && env.JWT_ISSUER) issuers.push({ issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE || undefined, jwksUrl });
  const raw = env.JWT_ISSUERS;
  if (raw === undefined || raw.trim() === '') return issuers;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('JWT_ISSUERS', 'must be a JSON array of { issuer, audience, jwksUrl }');
  }
  if (!Array.isArray(parsed)) throw new ConfigError('JWT_ISSUERS', 'must be a JSON array of { issuer, audience, jwksUrl }');
  parsed.forEach((entry: Record<string, unknown>, i) => {
    const at = `entry ${i}`;
    if (typeof entry !== 'object' || entry === null) throw new ConfigError('JWT_ISSUERS', `${at} must be an object`);
    if (typeof entry.issuer !== 'string' || entry.issuer === '') throw new ConfigError('JWT_ISSUERS', `${at} needs an issuer`);
    const audience = entry.audience;
    if (!(typeof audience === 'string' && audience !== '') && !(Array.isArray(audience) && audience.length > 0 && audience.every((a) => typeof a === 'string'))) {
      throw new ConfigError('JWT_ISSUERS', `${at} needs an audience (a string or a list of strings)`);
    }
    if (typeof entry.jwksUrl !== 'string') throw new ConfigError('JWT_ISSUERS', `${at} needs a jwksUrl`);
    url({ JWT_ISSUERS: entry.jwksUrl }, 'JWT_ISSUERS', ['https:', 'http:']);
    const algorithms = entry.algorithms;
    if (algorithms !== undefined && (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some((a) => !ISSUER_ALGORITHMS.includes(a as string)))) {
      throw new ConfigError('JWT_ISSUERS', `${at} algorithms must be a non-empty list of ${ISSUER_ALGORITHMS.join(', ')} (no HS*, no none)`);
    }
    for (const key of ['cacheMaxAgeMs', 'cooldownMs'] as const) {
      if (entry[key] !== undefined && (!Number.isInteger(entry[key]) || (entry[key] as number) < 0)) {
        throw new ConfigError('JWT_ISSUERS', `${at} ${key} must be a non-negative integer`);
      }
    }
    issuers.push({
      issuer: entry.issuer, audience: audience as string | string[], jwksUrl: entry.jwksUrl,
      algorithms: algorithms as string[] | undefined,
      cacheMaxAgeMs: entry.cacheMaxAgeMs as number | undefined, cooldownMs: entry.cooldownMs as number | undefined,
    });
  });
  return issuers;
}

export function loadConfig(env: Env = process.env): LedgerConfig {
  const rolesRaw = env.LEDGER_ROLES;
  const roles = rolesRaw === undefined || rolesRaw === '' || rolesRaw === 'all'
    ? [...ROLES]
    : rolesRaw.split(',').map((r) => r.trim());
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new ConfigError('LEDGER_ROLES', `has unknown role "${role}" (known: ${ROLES.join(', ')})`);
    }
  }
  const eventStore = oneOf(env, 'EVENT_STORE', ['postgres', 'eventstoredb'] as const, 'postgres');
  const eventStoreConnectionString = env.EVENTSTORE_CONNECTION_STRING || undefined;
  if (eventStore === 'eventstoredb' && !eventStoreConnectionString) {
    throw new ConfigError('EVENTSTORE_CONNECTION_STRING', 'is required when EVENT_STORE=eventstoredb');
  }
  const kafkaBrokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  for (const broker of kafkaBrokers) {
    if (!/^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$/.test(broker)) {
      throw new ConfigError('KAFKA_BROKERS', `must be a comma-separated list of host:port, got "${broker}"`);
    }
  }
  if (env.JWT_JWKS_URL && !env.JWT_ISSUER) {
    throw new ConfigError('JWT_ISSUER', 'is required when JWT_JWKS_URL is set');
  }
  const minPositionWaitMs = integer(env, 'MIN_POSITION_WAIT_MS', 5000, 0);
  return {
    port: port(env, 'PORT', 3000),
    host: env.HOST || '127.0.0.1',
    grpcPort: port(env, 'GRPC_PORT', 50051),
    workerMetricsPort: port(env, 'WORKER_METRICS_PORT', 9464),
    dataDir: resolve(env.LEDGER_DATA_DIR || './data'),
    roles: roles as Role[],
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    eventStore,
    eventStoreConnectionString,
    kafkaBrokers,
    kafkaClientId: env.KAFKA_CLIENT_ID || 'consent-ledger',
    kafkaTopicPartitions: integer(env, 'KAFKA_TOPIC_PARTITIONS', 6, 1),
    kafkaReplicationFactor: integer(env, 'KAFKA_REPLICATION_FACTOR', 1, 1),
    kafkaEventsRetentionMs: integer(env, 'KAFKA_EVENTS_RETENTION_MS', 30 * 24 * 3_600_000, -1),
    kafkaRelayBatchSize: integer(env, 'KAFKA_RELAY_BATCH_SIZE', 1000, 1),
    kafkaRelayFaultDelayMs: integer(env, 'KAFKA_RELAY_FAULT_DELAY_MS', 0, 0),
    jwtIssuer: env.JWT_ISSUER || undefined,
    jwtAudience: env.JWT_AUDIENCE || undefined,
    jwtJwksUrl: url(env, 'JWT_JWKS_URL', ['https:', 'http:']),
    jwtIssuers: jwtIssuers(env),
    jwtClockToleranceSeconds: integer(env, 'JWT_CLOCK_TOLERANCE_SECONDS', 30, 0),
    publicBaseUrl: url(env, 'PUBLIC_BASE_URL', ['https:', 'http:'])?.replace(/\/+$/, ''),
    unsubscribeLinkDays: integer(env, 'UNSUBSCRIBE_LINK_DAYS', 90, 60),
    accessLogRetentionDays: integer(env, 'ACCESS_LOG_RETENTION_DAYS', 6 * 366, 1),
    rateLimitMax: integer(env, 'RATE_LIMIT_MAX', 10_000, 1),
    rateLimitWindowMs: integer(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 1),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'log'),
    minPositionWaitMs,
    projectorBatchSize: integer(env, 'PROJECTOR_BATCH_SIZE', 500, 1),
    projectorPartitions: integer(env, 'PROJECTOR_PARTITIONS', 0, 0),
    projectionMaxLagSeconds: integer(env, 'PROJECTION_MAX_LAG_SECONDS', 30, 0),
    schedulerIntervalMs: integer(env, 'SCHEDULER_INTERVAL_MS', 1000, 10),
    projectorFaultDelayMs: integer(env, 'PROJECTOR_FAULT_DELAY_MS', 0, 0),
  };
}

/** For a process entry point: the validated configuration, or exit 2 with the message naming the variable. */
export function loadConfigOrExit(env: Env = process.env): LedgerConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
