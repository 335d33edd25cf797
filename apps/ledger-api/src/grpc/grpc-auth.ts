import type { Metadata } from '@grpc/grpc-js';
import { InvalidTokenError, type Principal, type Scope, type TokenVerifier } from '@app/security';
import { Problem } from '../http/problem';

/**
 * The HTTP AuthGuard's rules for a gRPC call: a bearer JWT in metadata `authorization`, one of the scopes, and no
 * subject-bound (portal) token, since no gRPC method is a subject route. Refusals are the same problems.
 */
export async function authenticate(verifier: TokenVerifier, metadata: Metadata, scopes: readonly Scope[]): Promise<Principal> {
  const [header] = metadata.get('authorization');
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match) throw unauthorized('A bearer token is required.');
  let principal: Principal;
  try {
    principal = await verifier.verify(match[1]);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthorized(`The bearer token was refused (${error.reason}).`);
    throw error;
  }
  if (scopes.length > 0 && !scopes.some((scope) => principal.scopes.has(scope))) {
    throw new Problem(403, 'insufficient-scope', 'Insufficient scope', `This method needs the scope ${scopes.join(' or ')}.`);
  }
  if (principal.subjectId !== undefined) {
    throw new Problem(403, 'insufficient-scope', 'Insufficient scope', 'A subject-bound token may act only on its own subject routes over HTTP.');
  }
  return principal;
}

function unauthorized(detail: string): Problem {
  return new Problem(401, 'unauthorized', 'Unauthorized', detail);
}
