import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { KeySet } from './key-set';

export const SCOPES = ['consent:write', 'consent:read', 'eligibility:check', 'audit:read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Tokens minted by the ledger itself (npm run ledgerctl -- token ...). */
export const EMBEDDED_ISSUER = 'urn:consent-ledger:embedded';
export const EMBEDDED_AUDIENCE = 'consent-ledger';
const CLOCK_TOLERANCE_SECONDS = 30;

/** Who is calling: the tenant comes only from the token, never from the body. */
export interface Principal {
  tenantId: string;
  scopes: ReadonlySet<string>;
  /** The token's `sub`: the client or user that acts. */
  actor: string;
  /** A patient's portal session acts only on this subject. */
  subjectId?: string;
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export interface ExternalIssuer { issuer: string; audience?: string; jwksUrl: string }

export interface IssueTokenOptions { tenant: string; scopes: string[]; subject?: string; ttlSeconds: number; actor?: string }

export async function issueToken(keys: KeySet, options: IssueTokenOptions, now: Date = new Date()): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  const claims: JWTPayload & Record<string, unknown> = { tenant: options.tenant, scope: options.scopes.join(' ') };
  if (options.subject) claims.subject = options.subject;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: keys.activeKid, typ: 'JWT' })
    .setIssuer(EMBEDDED_ISSUER)
    .setAudience(EMBEDDED_AUDIENCE)
    .setSubject(options.actor ?? 'ledgerctl')
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + options.ttlSeconds)
    .sign(await keys.activePrivateKey());
}

/** Verifies bearer tokens from the embedded key set and, when configured, one external issuer. */
export class TokenVerifier {
  private readonly embedded;
  private readonly external;

  constructor(keys: KeySet, private readonly externalIssuer?: ExternalIssuer) {
    this.embedded = createLocalJWKSet(keys.publicJwks());
    this.external = externalIssuer ? createRemoteJWKSet(new URL(externalIssuer.jwksUrl)) : undefined;
  }

  async verify(token: string): Promise<Principal> {
    let issuer: string | undefined;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw new InvalidTokenError('malformed token');
    }
    try {
      const external = this.externalIssuer;
      const { payload } = this.external && external && issuer === external.issuer
        ? await jwtVerify(token, this.external, {
            issuer: external.issuer,
            audience: external.audience,
            algorithms: ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'],
            clockTolerance: CLOCK_TOLERANCE_SECONDS,
          })
        : await jwtVerify(token, this.embedded, {
            issuer: EMBEDDED_ISSUER,
            audience: EMBEDDED_AUDIENCE,
            algorithms: ['ES256'],
            clockTolerance: CLOCK_TOLERANCE_SECONDS,
          });
      return principalOf(payload);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof errors.JOSEError) throw new InvalidTokenError(error.code);
      throw error;
    }
  }
}

function principalOf(payload: JWTPayload): Principal {
  const tenant = payload.tenant;
  if (typeof tenant !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(tenant)) {
    throw new InvalidTokenError('token has no valid tenant claim');
  }
  const raw = payload.scope ?? payload.scopes;
  const scopes = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw.map(String) : [];
  const subject = payload.subject;
  if (subject !== undefined && typeof subject !== 'string') throw new InvalidTokenError('subject claim must be a string');
  return { tenantId: tenant, scopes: new Set(scopes.filter(Boolean)), actor: payload.sub ?? 'unknown', subjectId: subject };
}
