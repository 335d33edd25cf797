import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor, SetMetadata } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { from, mergeMap, type Observable } from 'rxjs';
import { contactKeyOf, normaliseEmail, normalisePhone } from '@app/domain';
import type { AuthenticatedRequest } from '../../http/auth';
import { AccessLog, type AccessEntryInput } from './access-log';

const ACCESS_LOGGED = 'ledger:access-logged';

/**
 * Marks a route that reads or checks a subject's consent: each successful request leaves exactly one entry in the
 * access log (who, tenant, which subject / contact key / how many, when, route, and whether the disclosure was under
 * an authorization), written before the response leaves. Apply it to every such route: subject views and history,
 * checks, scrubs (`@AccessLogged('scrub')` and `noteAccess(request, { subjectCount })`), documents, FHIR, exports.
 */
export const AccessLogged = (action: string) => SetMetadata(ACCESS_LOGGED, action);

/** What only the route knows (how many lines a scrub read, the subject a document belongs to, ...). */
export interface AccessNote {
  subjectId?: string;
  contactKey?: string;
  subjectCount?: number;
  underAuthorization?: boolean;
}

export interface AccessLoggedRequest extends AuthenticatedRequest {
  accessNote?: AccessNote;
}

/** Adds to (or corrects) what the access-log entry of this request will say. */
export function noteAccess(request: AccessLoggedRequest, note: AccessNote): void {
  request.accessNote = { ...request.accessNote, ...note };
}

function contactKeyIn(body: Record<string, unknown> | undefined): string | undefined {
  const contact = body?.contact as { type?: unknown; value?: unknown } | undefined;
  if (!contact || typeof contact.value !== 'string') return undefined;
  const value = contact.type === 'email' ? normaliseEmail(contact.value) : contact.type === 'phone' ? normalisePhone(contact.value) : null;
  return value === null ? undefined : contactKeyOf(value);
}

/** Global; acts only on routes marked with `@AccessLogged(...)`. Failed requests disclose nothing and are not logged. */
@Injectable()
export class AccessLogInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector, private readonly log: AccessLog) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const action = this.reflector.get<string | undefined>(ACCESS_LOGGED, context.getHandler());
    if (!action || context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<AccessLoggedRequest>();
    return next.handle().pipe(mergeMap((result) => from(this.record(context, request, action, result).then(() => result))));
  }

  private async record(context: ExecutionContext, request: AccessLoggedRequest, action: string, result: unknown): Promise<void> {
    const principal = request.principal;
    if (!principal) return;
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    const query = (request.query ?? {}) as Record<string, unknown>;
    const body = (request.body && typeof request.body === 'object' ? request.body : undefined) as Record<string, unknown> | undefined;
    const note = request.accessNote ?? {};
    const answer = result && typeof result === 'object' ? (result as Record<string, unknown>) : {};
    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? (request.method === 'POST' ? 201 : 200);
    const entry: AccessEntryInput = {
      tenantId: principal.tenantId,
      action,
      method: request.method,
      route: request.routeOptions?.url ?? 'unknown',
      actor: principal.actor,
      clientId: principal.clientId ?? null,
      issuer: principal.issuer ?? null,
      subjectId: note.subjectId ?? params.subjectId ?? (typeof query.subjectId === 'string' ? query.subjectId : null)
        ?? (typeof body?.subjectId === 'string' ? body.subjectId : null),
      contactKey: note.contactKey ?? params.contactKey ?? contactKeyIn(body) ?? null,
      subjectCount: note.subjectCount ?? null,
      underAuthorization: note.underAuthorization ?? (typeof answer.underAuthorization === 'boolean' ? answer.underAuthorization : null),
      status,
      correlationId: String(request.id),
    };
    await this.log.record(entry);
  }
}
