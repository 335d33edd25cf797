import {
  createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, importJWK, type JWK, jwtVerify, type JWTPayload,
  type JWTVerifyGetKey, SignJWT,
} from 'jose';
import type { KeySet } from './key-set';

export const SCOPES = ['consent:write', 'consent:read', 'eligibility:check', 'audit:read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Tokens minted by the ledger itself (npm run ledgerctl -- token ...). */
export const EMBEDDED_ISSUER = 'urn:consent-ledger:embedded';
export const EMBEDDED_AUDIENCE = 'consent-ledger';
/** The embedded key set signs with ES256 only. */
export const EMBEDDED_ALGORITHMS = ['ES256'] as const;
/** Asymmetric algorithms an external issuer may be pinned to. HS* (shared secrets) and `none` never are. */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export const DEFAULT_EXTERNAL_ALGORITHMS = ['RS256', 'ES256'];
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

/** Who is calling: the tenant comes only from the token, never from the body. */
export interface Principal {
  tenantId: string;
  scopes: ReadonlySet<string>;
  /** The token's `sub`: the client or user that acts. */
  actor: string;
  /** The OAuth client the token was issued to (`azp` or `client_id`), when the issuer says. */
  clientId?: string;
  /** Who issued the token. */
  issuer?: string;
  /** A patient's portal session acts only on this subject. */
  subjectId?: string;
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** An identity provider the ledger trusts: its tokens must carry this `iss`, this `aud`, and one of `algorithms`. */
export interface ExternalIssuer {
  issuer: string;
  audience?: string | string[];
  jwksUrl: string;
  /** Pinned per issuer; defaults to RS256 and ES256. HS* and `none` are refused at construction. */
  algorithms?: string[];
  /** How long a fetched JWKS is trusted without refetching (default 10 minutes). */
  cacheMaxAgeMs?: number;
  /** The least time between two fetches caused by an unknown `kid` (default 30 s). */
  cooldownMs?: number;
}

export interface TokenVerifierOptions { clockToleranceSeconds?: number }

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

/**
 * A key resolver over the embedded key set: the header's `kid` picks the key (old keys stay after a rotation); an
 * unknown `kid` re-reads the key file once (another process may have rotated) before it is refused.
 */
export function embeddedKeyResolver(keys: KeySet): JWTVerifyGetKey {
  // Importing an EC key costs more than verifying with it: import each public key once (keyed by kid and point).
  const imported = new Map<string, ReturnType<typeof importJWK>>();
  return async (header) => {
    if (typeof header.kid !== 'string') throw new errors.JWKSNoMatchingKey();
    let jwk: JWK | undefined = keys.publicJwk(header.kid);
    if (!jwk && (await keys.reload())) jwk = keys.publicJwk(header.kid);
    if (!jwk) throw new errors.JWKSNoMatchingKey();
    const cacheKey = `${header.kid}:${jwk.x}:${jwk.y}`;
    let key = imported.get(cacheKey);
    if (!key) {
      key = importJWK(jwk, 'ES256');
      imported.set(cacheKey, key);
    }
    return key;
  };
}

interface TrustedIssuer { config: ExternalIssuer; algorithms: string[]; jwks: JWTVerifyGetKey }

/**
 * Verifies bearer tokens from the embedded key set and from every configured external issuer. The issuer is read
 * from the unverified token only to choose which keys and rules apply; the signature, `iss`, `aud`, `exp`, `nbf`
 * and the algorithm are then all checked against that issuer's pinned settings.
 */
export class TokenVerifier {
  private readonly embedded: JWTVerifyGetKey;
  /** Tokens already verified: a client sends the same bearer token with every request until it expires. */
  private readonly verified = new Map<string, { principal: Principal; validUntilMs: number }>();
  private readonly issuers = new Map<string, TrustedIssuer>();
  private clockTolerance: number;

  constructor(keys: KeySet, external?: ExternalIssuer | readonly ExternalIssuer[], options: TokenVerifierOptions = {}) {
    this.embedded = embeddedKeyResolver(keys);
    this.clockTolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
    this.trust(external === undefined ? [] : Array.isArray(external) ? external : [external as ExternalIssuer]);
  }

  /** Adds external issuers (configuration read at start). A second entry for an issuer replaces the first. */
  trust(issuers: readonly ExternalIssuer[], options: TokenVerifierOptions = {}): void {
    if (options.clockToleranceSeconds !== undefined) this.clockTolerance = options.clockToleranceSeconds;
    for (const config of issuers) {
      if (config.issuer === EMBEDDED_ISSUER) throw new Error(`${EMBEDDED_ISSUER} is the embedded issuer; it cannot be configured`);
      const algorithms = config.algorithms ?? DEFAULT_EXTERNAL_ALGORITHMS;
      const refused = algorithms.filter((a) => !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(a));
      if (algorithms.length === 0 || refused.length > 0) {
        throw new Error(`issuer ${config.issuer}: algorithms must be asymmetric (${ASYMMETRIC_ALGORITHMS.join(', ')}), refused: ${refused.join(', ') || 'none given'}`);
      }
      const jwks = createRemoteJWKSet(new URL(config.jwksUrl), {
        cacheMaxAge: config.cacheMaxAgeMs ?? 10 * 60_000,
        cooldownDuration: config.cooldownMs ?? 30_000,
        timeoutDuration: 5_000,
      });
      this.issuers.set(config.issuer, { config, algorithms, jwks });
    }
  }

  get trustedIssuers(): string[] {
    return [EMBEDDED_ISSUER, ...this.issuers.keys()];
  }

  /**
   * The token's principal. A token verified before is answered from memory until the earlier of its `exp` and
   * VERIFIED_TOKEN_MAX_AGE_MS after it was verified (so a key withdrawn from the key set stops working within that
   * bound); the signature check is the dominant per-request cost of a single eligibility check otherwise.
   */
  async verify(token: string): Promise<Principal> {
    const nowMs = Date.now();
    const cached = this.verified.get(token);
    if (cached && nowMs < cached.validUntilMs) return cached.principal;
    if (cached) this.verified.delete(token);
    const { principal, expMs, nbfMs } = await this.verifyToken(token);
    if (nbfMs <= nowMs) {
      if (this.verified.size >= VERIFIED_TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { principal, validUntilMs: Math.min(expMs, nowMs + VERIFIED_TOKEN_MAX_AGE_MS) });
    }
    return principal;
  }

  private async verifyToken(token: string): Promise<{ principal: Principal; expMs: number; nbfMs: number }> {
    let issuer: string | undefined;
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
      issuer = decodeJwt(token).iss;
    } catch {
      throw new InvalidTokenError('malformed token');
    }
    // Refused before any key is looked up: an unsigned token, or one "signed" with a public key used as an HMAC secret.
    if (!alg || !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) throw new InvalidTokenError('algorithm not allowed');
    try {
      if (issuer === EMBEDDED_ISSUER) {
        const { payload } = await jwtVerify(token, this.embedded, {
          issuer: EMBEDDED_ISSUER,
          audience: EMBEDDED_AUDIENCE,
          algorithms: [...EMBEDDED_ALGORITHMS],
          typ: 'JWT',
          requiredClaims: ['exp'],
          clockTolerance: this.clockTolerance,
        });
        return verified(payload);
      }
      const trusted = issuer === undefined ? undefined : this.issuers.get(issuer);
      if (!trusted) throw new InvalidTokenError('unknown issuer');
      const { payload } = await jwtVerify(token, trusted.jwks, {
        issuer: trusted.config.issuer,
        audience: trusted.config.audience,
        algorithms: trusted.algorithms,
        requiredClaims: ['exp'],
        clockTolerance: this.clockTolerance,
      });
      return verified(payload);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof errors.JOSEError) throw new InvalidTokenError(error.code);
      // A JWKS endpoint that cannot be reached refuses the token; it never lets it through.
      if (error instanceof TypeError || (error as NodeJS.ErrnoException).code !== undefined) throw new InvalidTokenError('keys unavailable');
      throw error;
    }
  }
}

/** How many verified tokens are kept, and for how long at most. */
const VERIFIED_TOKENS_KEPT = 10_000;
const VERIFIED_TOKEN_MAX_AGE_MS = 60_000;

function verified(payload: JWTPayload): { principal: Principal; expMs: number; nbfMs: number } {
  // `exp` is required by every verification above; `nbf` is optional.
  return { principal: Object.freeze(principalOf(payload)), expMs: (payload.exp ?? 0) * 1000, nbfMs: (payload.nbf ?? 0) * 1000 };
}

function principalOf(payload: JWTPayload): Principal {
  const tenant = payload.tenant;
  if (typeof tenant !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(tenant)) {
    throw new InvalidTokenError('token has no valid tenant claim');
  }
  const raw = payload.scope ?? payload.scopes ?? payload.scp;
  const scopes = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw.map(String) : [];
  const subject = payload.subject;
  if (subject !== undefined && typeof subject !== 'string') throw new InvalidTokenError('subject claim must be a string');
  const client = payload.azp ?? payload.client_id;
  return {
    tenantId: tenant,
    scopes: new Set(scopes.filter(Boolean)),
    actor: payload.sub ?? 'unknown',
    clientId: typeof client === 'string' ? client : undefined,
    issuer: payload.iss,
    subjectId: subject,
  };
}
