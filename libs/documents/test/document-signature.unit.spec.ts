import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { KeySet } from '@app/security';
import { sha256Hex, signDocument, sniffMediaType, verifyDocument } from '../src';
import { strokePng } from './support';

describe('document signatures', () => {
  let dir: string;
  let keys: KeySet;
  const bytes = new TextEncoder().encode('%PDF-1.7 the signed copy');
  const claims = () => ({ authorizationId: 'auth-1', documentSha256: sha256Hex(bytes), signedAt: '2026-11-23T14:00:00Z' });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'documents-keys-'));
    keys = await KeySet.loadOrCreate(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a JWS over {authorizationId, documentSha256, signedAt} verifies with the public JWKS', async () => {
    const jws = await signDocument(keys, claims());
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', kid: keys.activeKid, typ: 'consent-ledger.document+jws' });
    expect(await verifyDocument(bytes, jws, keys.publicJwks(), { authorizationId: 'auth-1' })).toEqual({ valid: true, claims: claims() });
  });

  it('one flipped byte of the document, or of the signature, fails verification', async () => {
    const jws = await signDocument(keys, claims());
    const flipped = new Uint8Array(bytes);
    flipped[10] ^= 0x01;
    expect(await verifyDocument(flipped, jws, keys.publicJwks())).toEqual(expect.objectContaining({ valid: false, reason: 'hash-mismatch' }));
    const [header, payload, signature] = jws.split('.');
    const forged = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    expect(await verifyDocument(bytes, forged, keys.publicJwks())).toEqual({ valid: false, reason: 'bad-signature' });
  });

  it('a signature for another authorization does not vouch for this one', async () => {
    const jws = await signDocument(keys, claims());
    expect(await verifyDocument(bytes, jws, keys.publicJwks(), { authorizationId: 'auth-2' }))
      .toEqual(expect.objectContaining({ valid: false, reason: 'claims-mismatch' }));
  });

  it('a scan is a PDF or a PNG by its magic bytes, nothing else', () => {
    expect(sniffMediaType(bytes)).toBe('application/pdf');
    expect(sniffMediaType(strokePng())).toBe('image/png');
    expect(sniffMediaType(new TextEncoder().encode('GIF89a'))).toBeNull();
  });
});
