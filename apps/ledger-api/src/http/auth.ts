import { CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InvalidTokenError, type Principal, type Scope, TokenVerifier } from '@app/security';
import type { FastifyRequest } from 'fastify';
import { Problem } from './problem';

const SCOPES_KEY = 'ledger:scopes';
const PUBLIC_KEY = 'ledger:public';

/** The route needs a bearer token carrying one of these scopes. */
export const Scopes = (...scopes: Scope[]) => SetMetadata(SCOPES_KEY, scopes);
/** The route needs no token (health, metrics, docs, signed links). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export interface AuthenticatedRequest extends FastifyRequest {
  principal?: Principal;
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector, private readonly verifier: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw unauthorized('A bearer token is required.');
    let principal: Principal;
    try {
      principal = await this.verifier.verify(match[1]);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw unauthorized(`The bearer token was refused (${error.reason}).`);
      throw error;
    }
    const required = this.reflector.getAllAndOverride<Scope[]>(SCOPES_KEY, targets) ?? [];
    if (required.length > 0 && !required.some((scope) => principal.scopes.has(scope))) {
      throw new Problem(403, 'insufficient-scope', 'Insufficient scope', `This route needs the scope ${required.join(' or ')}.`);
    }
    const params = (request.params ?? {}) as Record<string, string>;
    if (principal.subjectId !== undefined) {
      // A patient's portal session acts only on its own subject; anything else does not exist for it.
      if (params.subjectId === undefined) {
        throw new Problem(403, 'insufficient-scope', 'Insufficient scope', 'A subject-bound token may act only on its own subject routes.');
      }
      if (params.subjectId !== principal.subjectId) throw Problem.notFound('No such subject.');
    }
    request.principal = principal;
    return true;
  }
}

function unauthorized(detail: string): Problem {
  return new Problem(401, 'unauthorized', 'Unauthorized', detail, {}, { 'www-authenticate': 'Bearer' });
}

/** The authenticated caller; the tenant comes only from here. */
export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw unauthorized('A bearer token is required.');
  return principal;
});
