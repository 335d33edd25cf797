import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { canonicalJson, sha256Hex } from '@app/event-store';
import type { Database } from '@app/platform/database';
import { DATABASE } from '../ledger/tokens';
import type { AuthenticatedRequest } from './auth';
import { Problem } from './problem';
import { isStream } from './streams';

export const HTTP_IDEMPOTENCY_MIGRATION = {
  id: 'api-001-http-idempotency',
  sql: `CREATE TABLE IF NOT EXISTS http_idempotency (
    tenant_id text NOT NULL,
    route text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status integer NOT NULL,
    body jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, route, key)
  )`,
};

export interface IdempotentRequest extends AuthenticatedRequest {
  /** The key as the event store sees it (tenant, route template, key) and the request's hash. */
  idempotency?: { key: string; requestHash: string };
}

/** Where a keyed request's first response is kept: the caller's tenant, the route template and the key as sent. */
function scopeOf(request: IdempotentRequest): { tenantId: string; route: string; key: string } {
  return { tenantId: request.principal!.tenantId, route: request.routeOptions.url ?? request.url, key: String(request.headers['idempotency-key']) };
}

const METHODS = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/** A repeat of a request already answered: the first response, which the exception filter sends as it was. */
export class IdempotentReplay extends Error {
  constructor(readonly status: number, readonly body: unknown) {
    super('idempotent replay');
  }
}

/**
 * Idempotency-Key on POST/PUT/DELETE/PATCH, scoped to tenant and route template. A global guard after `AuthGuard`
 * (it needs the verified tenant): a repeat with the same body is answered with the first response before the handler
 * runs (`IdempotentReplay`); another body is 409. On a first request the key also travels to the event store, so two
 * racing repeats append once, and `registerIdempotencyStore` keeps the response as it leaves.
 *
 * A guard and a Fastify hook rather than an interceptor: a Nest interceptor wraps every request of every route in
 * rxjs and `AsyncResource.bind` (~18 µs each on Node 20), which cost a check more than its lookup (docs/performance.md).
 */
@Injectable()
export class IdempotencyGuard implements CanActivate {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<IdempotentRequest>();
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || !METHODS.has(request.method) || !request.principal || isStream(request.body)) return true;
    if (key.length === 0 || key.length > 255) {
      throw Problem.badRequest('The Idempotency-Key header is not valid.', [{ field: 'Idempotency-Key', message: 'must be 1 to 255 characters' }]);
    }
    const { tenantId, route } = scopeOf(request);
    const requestHash = sha256Hex(canonicalJson({ params: request.params ?? {}, query: request.query ?? {}, body: request.body ?? null }));
    const [first] = await this.db.query<{ request_hash: string; status: number; body: unknown }>(
      'SELECT request_hash, status, body FROM http_idempotency WHERE tenant_id = $1 AND route = $2 AND key = $3',
      [tenantId, route, key],
    );
    if (first) {
      if (first.request_hash !== requestHash) throw reused();
      throw new IdempotentReplay(first.status, first.body);
    }
    // Set on a first request only (a repeat has thrown above): the event store and registerIdempotencyStore read it.
    request.idempotency = { key: `${tenantId}|${route}|${key}`, requestHash };
    return true;
  }
}

/**
 * Keeps the first response of a keyed request (a JSON answer below 400) before it leaves, so that a repeat arriving
 * after it finds it. A streamed answer (a scrub) is not kept: a repeat is answered afresh.
 */
export function registerIdempotencyStore(fastify: FastifyInstance, db: Database): void {
  fastify.addHook('onSend', async (request: IdempotentRequest, reply: FastifyReply, payload: unknown) => {
    if (!request.idempotency || reply.statusCode >= 400) return payload;
    if (payload !== undefined && payload !== null && typeof payload !== 'string') return payload;
    const type = String(reply.getHeader('content-type') ?? 'application/json');
    if (payload && !type.startsWith('application/json')) return payload;
    const { tenantId, route, key } = scopeOf(request);
    await db.query(
      `INSERT INTO http_idempotency (tenant_id, route, key, request_hash, status, body)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT DO NOTHING`,
      [tenantId, route, key, request.idempotency.requestHash, reply.statusCode, payload || 'null'],
    );
    return payload;
  });
}

export function reused(): Problem {
  return new Problem(409, 'idempotency-key-reused', 'Idempotency key reused',
    'This Idempotency-Key was already used on this route with a different request body.');
}
