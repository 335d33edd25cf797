import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '@app/platform/database';
import { isEnvelope, parseEnvelope, PersonalDataCodec } from '@app/security';

/** The erasure codec on PGlite: sealed values keep their types, open only in their own place, and die with the key. */
describe('personal-data codec', () => {
  let dir: string;
  let db: Database;
  let codec: PersonalDataCodec;
  const jane = { kind: 'subject', tenantId: 'acme', subjectId: 'p-1' } as const;
  const paths = ['note', 'signature.signerName', 'recipients'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'personal-data-'));
    db = await openDatabase({ dataDir: join(dir, 'db') });
    codec = new PersonalDataCodec(db, join(dir, 'keys'));
  });
  afterAll(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('seals strings and string arrays in place, leaves null and other fields, and opens them again', async () => {
    const data = { authorizationId: 'a-1', note: 'by letter', signature: { signerName: 'Jane Doe', signedAt: '2026-11-23T13:00:00Z' }, recipients: ['Acme', 'Brightmail'], other: null };
    const sealed = await codec.seal(jane, data, paths);
    expect(isEnvelope(sealed.note)).toBe(true);
    expect((sealed.recipients as string[]).every(isEnvelope)).toBe(true);
    expect(sealed.authorizationId).toBe('a-1');
    expect((sealed.signature as { signedAt: string }).signedAt).toBe('2026-11-23T13:00:00Z');
    expect(JSON.stringify(sealed)).not.toMatch(/Jane|letter|Brightmail/);
    expect(parseEnvelope(sealed.note as string)).toEqual({ $enc: 'v1', kid: expect.any(String), iv: expect.any(String), ct: expect.any(String) });
    const [opened] = await codec.open('acme', [{ data: sealed, paths }]);
    expect(opened).toEqual({ data, erasedFields: [] });
  });

  it('a value moved to another field or another tenant does not open', async () => {
    const sealed = await codec.seal(jane, { note: 'secret' }, ['note']);
    await expect(codec.open('acme', [{ data: { signature: { signerName: sealed.note } }, paths: ['signature.signerName'] }])).rejects.toThrow();
    const [foreign] = await codec.open('globex', [{ data: sealed, paths: ['note'] }]);
    expect(foreign.data.note).toBeNull();
  });

  it('after destroy, values open as null and are listed as erased; a new value gets a new key', async () => {
    const sealed = await codec.seal(jane, { note: 'before' }, ['note']);
    expect(await codec.destroy(jane, '2033-01-01T00:00:00Z')).toBe(1);
    expect(await codec.destroy(jane, '2033-01-01T00:00:00Z')).toBe(0);
    const [opened] = await codec.open('acme', [{ data: sealed, paths: ['note'] }]);
    expect(opened).toEqual({ data: { note: null }, erasedFields: ['note'] });
    const again = await codec.seal(jane, { note: 'after' }, ['note']);
    expect(parseEnvelope(again.note as string)!.kid).not.toBe(parseEnvelope(sealed.note as string)!.kid);
    expect((await codec.open('acme', [{ data: again, paths: ['note'] }]))[0].data.note).toBe('after');
  });

  it('refuses keys wrapped by another master key instead of reading garbage', async () => {
    const other = new PersonalDataCodec(db, join(dir, 'other-keys'));
    const sealed = await codec.seal({ kind: 'contact', tenantId: 'acme', contactKey: 'k-1' }, { body: 'stop by' }, ['body']);
    await expect(other.open('acme', [{ data: sealed, paths: ['body'] }])).rejects.toThrow(/another|master key/);
  });
});
