import { createHash } from 'node:crypto';
import { CompactSign, compactVerify, createLocalJWKSet, type JWK } from 'jose';
import type { KeySet } from '@app/security';
import { canonicalJson } from './canonical-json';

/** What the ledger signs about a stored document (E1, E4): which authorization, which bytes, signed when. */
export interface DocumentClaims {
  authorizationId: string;
  documentSha256: string;
  signedAt: string;
}

export const DOCUMENT_SIGNATURE_TYPE = 'consent-ledger.document+jws';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A compact JWS (ES256, the ledger's active key) over the canonical JSON of the claims. */
export async function signDocument(keys: KeySet, claims: DocumentClaims): Promise<string> {
  const payload = canonicalJson({ authorizationId: claims.authorizationId, documentSha256: claims.documentSha256, signedAt: claims.signedAt });
  return new CompactSign(new TextEncoder().encode(payload))
    .setProtectedHeader({ alg: 'ES256', kid: keys.activeKid, typ: DOCUMENT_SIGNATURE_TYPE })
    .sign(await keys.activePrivateKey());
}

export type DocumentVerification =
  | { valid: true; claims: DocumentClaims }
  | { valid: false; reason: 'bad-signature' | 'hash-mismatch' | 'claims-mismatch'; claims?: DocumentClaims };

/**
 * Verifies a document against its JWS with a public JWKS: the signature must verify, and the SHA-256 of the bytes
 * must equal the signed `documentSha256` (and, when given, the claims expected from the grant event).
 */
export async function verifyDocument(
  bytes: Uint8Array,
  jws: string,
  jwks: { keys: JWK[] },
  expected: Partial<DocumentClaims> = {},
): Promise<DocumentVerification> {
  let claims: DocumentClaims;
  try {
    const { payload } = await compactVerify(jws, createLocalJWKSet(jwks), { algorithms: ['ES256'] });
    claims = JSON.parse(new TextDecoder().decode(payload)) as DocumentClaims;
  } catch {
    return { valid: false, reason: 'bad-signature' };
  }
  if (sha256Hex(bytes) !== claims.documentSha256) return { valid: false, reason: 'hash-mismatch', claims };
  for (const key of ['authorizationId', 'documentSha256', 'signedAt'] as const) {
    if (expected[key] !== undefined && expected[key] !== claims[key]) return { valid: false, reason: 'claims-mismatch', claims };
  }
  return { valid: true, claims };
}
