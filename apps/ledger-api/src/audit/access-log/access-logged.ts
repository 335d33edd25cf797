import { Logger } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { contactKeyOf, normaliseEmail, normalisePhone } from '@app/domain';
import type { AuthenticatedRequest } from '../../http/auth';
import { isStream } from '../../http/streams';
import { AccessLog, type AccessEntryInput } from './access-log';

/** The Fastify route-config key `@AccessLogged` sets: the hooks read it from `request.routeOptions.config`. */
const ACCESS_LOGGED = 'accessLogged';

/**
 * Marks a route that reads or checks a subject's consent: each successful request leaves exactly one entry in the
 * access log (who, tenant, which subject / contact key / how many, when, route, and whether the disclosure was under
 * an authorization), written before the response leaves. Apply it to every such route: subject views and history,
 * checks, scrubs (`@AccessLogged('scrub')` and `noteAccess(request, { subjectCount })`), documents, FHIR, exports.
 */
export const AccessLogged = (action: string) => RouteConfig({ [ACCESS_LOGGED]: action });

/** What only the route knows (how many lines a scrub read, the subject a document belongs to, ...). */
export interface AccessNote {
  subjectId?: string;
  contactKey?: string;
  subjectCount?: number;
  underAuthorization?: boolean;
}

export interface AccessLoggedRequest extends AuthenticatedRequest {
  accessNote?: AccessNote;
  /** The answer as the route returned it, before serialisation. */
  accessAnswer?: unknown;
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

/**
 * Writes the entry of every successful request to a route marked `@AccessLogged(...)`, as Fastify hooks: the answer
 * is noted as it is serialised (`underAuthorization` comes from it), and the entry is written in `onSend`, so it is
 * durable before the response leaves. A streamed answer (a scrub) is logged once the stream has closed, with what the
 * route noted meanwhile (how many lines). Failed requests disclose nothing and are not logged.
 *
 * Hooks rather than a Nest interceptor: an interceptor wraps every request of every route in rxjs and
 * `AsyncResource.bind` (~18 µs each on Node 20), which cost a check more than its lookup (docs/performance.md).
 */
export function registerAccessLogHooks(fastify: FastifyInstance, log: AccessLog): void {
  fastify.addHook('preSerialization', (request: AccessLoggedRequest, _reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
    if (actionOf(request)) request.accessAnswer = payload;
    done(null, payload);
  });
  fastify.addHook('onSend', async (request: AccessLoggedRequest, reply: FastifyReply, payload: unknown) => {
    const action = actionOf(request);
    if (!action || !request.principal || reply.statusCode >= 400) return payload;
    if (isStream(payload)) {
      reply.raw.once('close', () => {
        // The route's own 'close' listener (registered before it sent the stream) has noted what it disclosed.
        log.record(entryOf(request, action, reply.statusCode)).catch((error: unknown) => {
          logger.error(`the access-log entry of a streamed answer was not written: ${error instanceof Error ? error.constructor.name : typeof error}`);
        });
      });
      return payload;
    }
    await log.record(entryOf(request, action, reply.statusCode));
    return payload;
  });
}

const logger = new Logger('access-log');

function actionOf(request: AccessLoggedRequest): string | undefined {
  return (request.routeOptions?.config as { [ACCESS_LOGGED]?: string } | undefined)?.[ACCESS_LOGGED];
}

function entryOf(request: AccessLoggedRequest, action: string, status: number): AccessEntryInput {
  const principal = request.principal!;
  const params = (request.params ?? {}) as Record<string, string | undefined>;
  const query = (request.query ?? {}) as Record<string, unknown>;
  const body = (request.body && typeof request.body === 'object' && !isStream(request.body) ? request.body : undefined) as Record<string, unknown> | undefined;
  const note = request.accessNote ?? {};
  const answer = request.accessAnswer && typeof request.accessAnswer === 'object' ? (request.accessAnswer as Record<string, unknown>) : {};
  return {
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
}
