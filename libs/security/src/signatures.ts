import { randomUUID } from 'node:crypto';
import {
  CompactSign, compactVerify, createLocalJWKSet, errors, type JSONWebKeySet, jwtVerify, SignJWT,
} from 'jose';
import { embeddedKeyResolver, EMBEDDED_ISSUER } from './tokens';
import type { KeySet } from './key-set';

/** `typ` of each kind of signed object, so that one can never be replayed as another (a receipt as a token, ...). */
export const RECEIPT_TYPE = 'consent-receipt+jws';
export const MANIFEST_TYPE = 'evidence-manifest+jws';
export const UNSUBSCRIBE_TYPE = 'unsubscribe+jwt';
export const UNSUBSCRIBE_AUDIENCE = 'urn:consent-ledger:unsubscribe';

export type SignatureCheck<T> = { valid: true; payload: T; kid: string } | { valid: false; reason: string };

/** A compact JWS (ES256, the active key, `kid` in the header) over the canonical JSON bytes given. */
export async function signCompact(keys: KeySet, typ: string, payload: Uint8Array): Promise<string> {
  return new CompactSign(payload)
    .setProtectedHeader({ alg: 'ES256', kid: keys.activeKid, typ })
    .sign(await keys.activePrivateKey());
}

/**
 * Checks a compact JWS of the given `typ` against the embedded key set (every key it holds, rotated ones too) or,
 * offline, against a public JWKS. Never throws for a bad signature: answers why it is not valid.
 */
export async function verifyCompact<T = unknown>(
  keys: KeySet | JSONWebKeySet, typ: string, jws: string,
): Promise<SignatureCheck<T>> {
  const resolver = 'publicJwks' in keys ? embeddedKeyResolver(keys) : createLocalJWKSet(keys);
  try {
    const { payload, protectedHeader } = await compactVerify(jws, resolver as never, { algorithms: ['ES256'] });
    if (protectedHeader.typ !== typ) return { valid: false, reason: `not a ${typ}` };
    return { valid: true, payload: JSON.parse(new TextDecoder().decode(payload)) as T, kid: String(protectedHeader.kid) };
  } catch (error) {
    if (error instanceof errors.JOSEError) return { valid: false, reason: error.code };
    if (error instanceof SyntaxError) return { valid: false, reason: 'payload is not JSON' };
    // A key that cannot be imported (an altered JWKS) verifies nothing.
    return { valid: false, reason: error instanceof Error ? error.name : 'unverifiable' };
  }
}

export interface UnsubscribeClaims {
  tenant: string;
  /** SHA-256 of the normalised address: the link never carries the address itself. */
  contactKey: string;
  contactType: 'email';
  purpose: string;
  channel: string;
  /** Unique per link: a repeated POST of one link is one opt-out. */
  jti: string;
}

export async function issueUnsubscribeToken(
  keys: KeySet, claims: Omit<UnsubscribeClaims, 'jti'>, issuedAt: Date, expiresAt: Date,
): Promise<{ token: string; jti: string }> {
  const jti = randomUUID();
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: keys.activeKid, typ: UNSUBSCRIBE_TYPE })
    .setIssuer(EMBEDDED_ISSUER)
    .setAudience(UNSUBSCRIBE_AUDIENCE)
    .setJti(jti)
    .setIssuedAt(Math.floor(issuedAt.getTime() / 1000))
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(await keys.activePrivateKey());
  return { token, jti };
}

export type UnsubscribeCheck =
  | { status: 'valid'; claims: UnsubscribeClaims }
  /** Signed by the ledger but past its lifetime: nothing is appended, the page asks for the address (C1). */
  | { status: 'expired'; claims: UnsubscribeClaims }
  | { status: 'invalid'; reason: string };

/** Verifies an unsubscribe link at `now` (the ledger's clock). */
export async function verifyUnsubscribeToken(keys: KeySet, token: string, now: Date): Promise<UnsubscribeCheck> {
  try {
    const { payload } = await jwtVerify(token, embeddedKeyResolver(keys), {
      issuer: EMBEDDED_ISSUER,
      audience: UNSUBSCRIBE_AUDIENCE,
      algorithms: ['ES256'],
      typ: UNSUBSCRIBE_TYPE,
      requiredClaims: ['exp', 'jti'],
      currentDate: now,
    });
    return claimsOf(payload as Record<string, unknown>, 'valid');
  } catch (error) {
    // jose checks the signature before the claims: an expired token here was signed by the ledger.
    if (error instanceof errors.JWTExpired) return claimsOf(error.payload as Record<string, unknown>, 'expired');
    if (error instanceof errors.JOSEError) return { status: 'invalid', reason: error.code };
    throw error;
  }
}

function claimsOf(payload: Record<string, unknown>, status: 'valid' | 'expired'): UnsubscribeCheck {
  const { tenant, contactKey, contactType, purpose, channel, jti } = payload;
  if ([tenant, contactKey, purpose, channel, jti].some((v) => typeof v !== 'string') || contactType !== 'email') {
    return { status: 'invalid', reason: 'claims missing' };
  }
  return { status, claims: { tenant, contactKey, contactType, purpose, channel, jti } as UnsubscribeClaims };
}
