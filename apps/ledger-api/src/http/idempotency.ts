import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';
import { canonicalJson } from '@app/event-store';
import type { Database } from '@app/platform/database';
import { DATABASE } from '../ledger/tokens';
import type { AuthenticatedRequest } from './auth';
import { Problem } from './problem';

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
  idempotency?: { key: string; requestHash: string };
}


/**
 * Idempotency-Key on POST/PUT/DELETE: scoped to tenant and route template. A repeat with the same body answers the
 * first response; another body is 409. The key also travels to the event store, so two racing repeats append once.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<IdempotentRequest>();
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || !['POST', 'PUT', 'DELETE', 'PATCH'].includes(request.method) || !request.principal) {
      return next.handle();
    }
    if (key.length === 0 || key.length > 255) {
      throw Problem.badRequest('The Idempotency-Key header is not valid.', [{ field: 'Idempotency-Key', message: 'must be 1 to 255 characters' }]);
    }
    const tenantId = request.principal.tenantId;
    const route = request.routeOptions.url ?? request.url;
    const requestHash = createHash('sha256')
      .update(canonicalJson({ params: request.params ?? {}, query: request.query ?? {}, body: request.body ?? null }))
      .digest('hex');
    request.idempotency = { key: `${tenantId}|${route}|${key}`, requestHash };
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const status = (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined)
      ?? (request.method === 'POST' ? 201 : 200);
    return from((async () => {
      const [first] = await this.db.query<{ request_hash: string; status: number; body: unknown }>(
        'SELECT request_hash, status, body FROM http_idempotency WHERE tenant_id = $1 AND route = $2 AND key = $3',
        [tenantId, route, key],
      );
      if (first) {
        if (first.request_hash !== requestHash) throw reused();
        reply.status(first.status);
        return first.body;
      }
      const body = await lastValueFrom(next.handle());
      await this.db.query(
        `INSERT INTO http_idempotency (tenant_id, route, key, request_hash, status, body)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [tenantId, route, key, requestHash, status, JSON.stringify(body ?? null)],
      );
      return body;
    })());
  }
}

export function reused(): Problem {
  return new Problem(409, 'idempotency-key-reused', 'Idempotency key reused',
    'This Idempotency-Key was already used on this route with a different request body.');
}
