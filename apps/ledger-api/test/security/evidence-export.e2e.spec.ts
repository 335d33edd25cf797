import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { loadConfig } from '@app/platform';
import { issueToken, KeySet } from '@app/security';
import { FakeClock } from '../../../../test/support/ledger';
import { auditExport, auditVerify } from '../../../ledgerctl/src/main';
import { createApp } from '../../src/bootstrap';
import { grantBody } from '../fixtures';

/** Issue 7: an evidence bundle verifies offline, and fails when any file in it is altered. */
describe('evidence export', () => {
  let dir: string;
  let bundle: Uint8Array;
  const lines: string[] = [];
  const verify = async (bytes: Uint8Array) => {
    const file = join(dir, `check-${Math.random().toString(36).slice(2)}.zip`);
    await writeFile(file, bytes);
    lines.length = 0;
    return auditVerify(['--bundle', file], (l) => lines.push(l));
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledger-evidence-'));
    const app = await createApp(loadConfig({ LEDGER_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'error' }), { clock: new FakeClock(), logger: false });
    try {
      const keys = await KeySet.loadOrCreate(join(dir, 'data', 'keys'));
      const auth = { authorization: `Bearer ${await issueToken(keys, { tenant: 'acme', scopes: ['consent:write', 'audit:read'], ttlSeconds: 600, actor: 'test' })}` };
      const send = (method: 'POST' | 'GET', url: string, body?: unknown) => app.inject({
        method, url, headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) }, payload: body ? JSON.stringify(body) : undefined,
      });
      expect((await send('POST', '/v1/subjects/p-1001/authorizations', grantBody())).statusCode).toBe(201);
      expect((await send('POST', '/v1/subjects/p-1001/contacts', { type: 'email', value: 'jane@example.com' })).statusCode).toBe(200);
      expect((await send('POST', '/v1/contacts/opt-out', { type: 'email', value: 'jane@example.com', purpose: 'marketing', channel: 'email', source: 'one-click' })).statusCode).toBe(202);
      expect((await send('POST', '/v1/subjects/p-1001/authorizations/auth-1/revoke', { receivedVia: 'portal' })).statusCode).toBe(200);
      const exported = await send('GET', '/v1/audit/export?subjectId=p-1001');
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-type']).toBe('application/zip');
      bundle = new Uint8Array(exported.rawPayload);
      expect((await send('GET', '/v1/audit/export?subjectId=nobody')).statusCode).toBe(404);
      const access = JSON.parse((await send('GET', '/v1/audit/access?subjectId=p-1001')).payload);
      expect(access.entries.map((e: { action: string }) => e.action)).toEqual(['evidence-export']);
    } finally {
      await app.close();
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("holds the subject's and its contact's events, the chain proof, the JWKS and a signed manifest", () => {
    const files = unzipSync(bundle);
    expect(Object.keys(files).filter((f) => !f.startsWith('documents/')).sort()).toEqual(['chain-proof.json', 'events.jsonl', 'jwks.json', 'manifest.json', 'manifest.jws']);
    const documents = Object.keys(files).filter((f) => f.startsWith('documents/'));
    expect(documents).toEqual([expect.stringMatching(/^documents\/auth-1-[0-9a-f]{12}\.pdf$/)]);
    for (const path of documents) expect(new TextDecoder().decode(files[path].slice(0, 5))).toBe('%PDF-');
    const events = new TextDecoder().decode(files['events.jsonl']).trim().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e) => e.type)).toHaveLength(4);
    expect(new Set(events.map((e) => e.streamId.split('-')[0]))).toEqual(new Set(['subject', 'contact']));
    const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json']));
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(['events.jsonl', 'chain-proof.json', ...documents, 'jwks.json']);
  });

  it('verifies offline with ledgerctl audit verify --bundle FILE', async () => {
    expect(await verify(bundle)).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^bundle verified/);
  });

  it('fails when any file in it is altered, added or removed', async () => {
    const files = unzipSync(bundle);
    for (const path of Object.keys(files)) {
      const altered = { ...files, [path]: Uint8Array.from(files[path]) };
      const i = Math.floor(altered[path].length / 2);
      altered[path][i] = altered[path][i] === 0x41 ? 0x42 : 0x41;
      expect({ path, ok: await verify(zipSync(altered)) }).toEqual({ path, ok: false });
      expect(lines).toContainEqual(expect.stringMatching(/^FAIL/));
      const without = { ...files };
      delete without[path];
      expect({ path, removed: await verify(zipSync(without)) }).toEqual({ path, removed: false });
    }
    expect(await verify(zipSync({ ...files, 'extra.txt': strToU8('x') }))).toBe(false);
    expect(await verify(strToU8('not a zip'))).toBe(false);
  });

  it('a chain re-hashed by a forger still fails: the manifest signature covers every file hash', async () => {
    const files = unzipSync(bundle);
    const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json']));
    const forgedEvents = strToU8(new TextDecoder().decode(files['events.jsonl']).replace('"portal"', '"mail"'));
    manifest.files[0].sha256 = require('node:crypto').createHash('sha256').update(forgedEvents).digest('hex');
    manifest.files[0].bytes = forgedEvents.length;
    expect(await verify(zipSync({ ...files, 'events.jsonl': forgedEvents, 'manifest.json': strToU8(JSON.stringify(manifest)) }))).toBe(false);
  });

  it('ledgerctl audit export writes the same kind of bundle from the database, and it verifies', async () => {
    const previous = { ...process.env };
    process.env.LEDGER_DATA_DIR = join(dir, 'data');
    delete process.env.DATABASE_URL;
    try {
      const out = await auditExport(['--tenant', 'acme', '--subject', 'p-1001', '--out', join(dir, 'cli.zip')]);
      expect(await verify(new Uint8Array(await readFile(out)))).toBe(true);
      await expect(auditExport(['--tenant', 'globex', '--subject', 'p-1001', '--out', join(dir, 'none.zip')])).rejects.toThrow(/no subject/);
    } finally {
      process.env = previous;
    }
  });
});
