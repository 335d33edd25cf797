import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { subjectStreamId } from '@app/domain';
import { loadConfig } from '@app/platform';
import { EMBEDDED_AUDIENCE, EMBEDDED_ISSUER, issueToken, KeySet } from '@app/security';
import { FakeClock, startLedger, type TestLedger } from '../../../../test/support/ledger';
import { createApp } from '../../src/bootstrap';
import { grantBody, routeCases } from '../fixtures';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowS = () => Math.floor(Date.now() / 1000);

/** Issue 7: tenants, subjects and scopes; every forged or stale token refused with 401. */
describe('tenant and subject isolation', () => {
  let ledger: TestLedger;
  let b: string;

  beforeAll(async () => {
    ledger = await startLedger();
    b = await ledger.token('tenant-b');
    expect((await ledger.request('POST', '/v1/subjects/p-1001/authorizations', { token: b, body: grantBody() })).status).toBe(201);
    const linked = await ledger.request('POST', '/v1/subjects/p-1001/contacts', { token: b, body: { type: 'email', value: 'jane@example.com' } });
    expect(linked.status).toBe(200);
  });
  afterAll(() => ledger.close());

  it("a token of tenant A gets 404 for every subject of tenant B on every subject route, and never changes B's streams", async () => {
    const a = await ledger.token('tenant-a');
    const before = await ledger.store.readStream(subjectStreamId('tenant-b', 'p-1001'));
    const contactKey = (await ledger.request('GET', '/v1/subjects/p-1001', { token: b })).body.contacts[0].contactKey;
    const cases = routeCases(contactKey).filter((r) => r.addressesExisting);
    expect(cases.map((r) => r.name)).toEqual(expect.arrayContaining(['view a subject', 'read history', 'revoke an authorization', 'unlink a contact']));
    for (const route of cases) {
      const response = await ledger.request(route.method, route.url, { token: a, body: route.body });
      expect({ route: route.name, status: response.status }).toEqual({ route: route.name, status: 404 });
      expect(response.text).not.toContain('auth-1');
    }
    expect((await ledger.request('GET', '/v1/audit/export?subjectId=p-1001', { token: a })).status).toBe(404);
    const check = await ledger.request('POST', '/v1/eligibility/check', { token: a, body: { subjectId: 'p-1001', channel: 'email', purpose: 'marketing' } });
    expect(check.body.decision).toBe('DENY');
    expect(check.body.basis).toBeNull();
    for (const route of routeCases(contactKey).filter((r) => !r.addressesExisting && r.method !== 'GET')) {
      await ledger.request(route.method, route.url, { token: a, body: route.body });
    }
    expect(await ledger.store.readStream(subjectStreamId('tenant-b', 'p-1001'))).toEqual(before);
  });

  it('a portal token for subject X cannot read or change subject Y', async () => {
    const x = await ledger.token('tenant-b', ['consent:read', 'consent:write'], 'p-2002');
    expect((await ledger.request('GET', '/v1/subjects/p-1001', { token: x })).status).toBe(404);
    expect((await ledger.request('GET', '/v1/subjects/p-1001/history', { token: x })).status).toBe(404);
    expect((await ledger.request('PUT', '/v1/subjects/p-1001/preferences', { token: x, body: { purpose: 'marketing', channel: '*', choice: 'opt-out', source: 'portal' } })).status).toBe(404);
    expect((await ledger.request('POST', '/v1/subjects/p-1001/authorizations/auth-1/revoke', { token: x, body: { receivedVia: 'portal' } })).status).toBe(404);
    expect((await ledger.request('POST', '/v1/subjects/p-2002/contacts', { token: x, body: { type: 'email', value: 'x@example.com' } })).status).toBe(200);
    expect((await ledger.request('GET', '/v1/subjects/p-2002', { token: x })).status).toBe(200);
    expect((await ledger.request('POST', '/v1/eligibility/check', { token: await ledger.token('tenant-b', ['eligibility:check'], 'p-2002'), body: { subjectId: 'p-1001', channel: 'email', purpose: 'marketing' } })).status).toBe(403);
  });

  it('missing scopes get 403', async () => {
    const reader = await ledger.token('tenant-b', ['consent:read']);
    expect((await ledger.request('POST', '/v1/subjects/p-1001/authorizations', { token: reader, body: grantBody({ authorizationId: 'auth-9' }) })).status).toBe(403);
    expect((await ledger.request('GET', '/v1/audit/access', { token: reader })).status).toBe(403);
    expect((await ledger.request('GET', '/v1/audit/export?subjectId=p-1001', { token: reader })).status).toBe(403);
    expect((await ledger.request('POST', '/v1/eligibility/check', { token: reader, body: { subjectId: 'p-1001', channel: 'email', purpose: 'marketing' } })).status).toBe(403);
  });
});

describe('bearer tokens refused with 401', () => {
  let ledger: TestLedger;
  let keys: KeySet;
  const claims = { tenant: 'acme', scope: 'consent:read' };

  const sign = async (payload: Record<string, unknown>, header: Record<string, unknown> = {}, key?: CryptoKey) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: keys.activeKid, typ: 'JWT', ...header } as never)
      .sign(key ?? await keys.activePrivateKey());
  const base = (over: Record<string, unknown> = {}) => ({ ...claims, iss: EMBEDDED_ISSUER, aud: EMBEDDED_AUDIENCE, sub: 'attacker', iat: nowS(), exp: nowS() + 600, ...over });
  const status = async (token: string) => {
    const response = await ledger.request('GET', '/v1/subjects/p-1', { token });
    if (response.status === 401) expect(response.headers['www-authenticate']).toBe('Bearer');
    return response.status;
  };

  beforeAll(async () => {
    ledger = await startLedger();
    keys = ledger.app.get(KeySet);
  });
  afterAll(() => ledger.close());

  it('accepts a well-formed token, and one within the clock-skew tolerance', async () => {
    expect(await status(await sign(base()))).toBe(404);
    expect(await status(await sign(base({ exp: nowS() - 10 })))).toBe(404);
    expect(await status(await sign(base({ nbf: nowS() + 10 })))).toBe(404);
  });

  it('refuses expired, not yet valid, wrong audience, wrong issuer, no expiry', async () => {
    expect(await status(await sign(base({ exp: nowS() - 120 })))).toBe(401);
    expect(await status(await sign(base({ nbf: nowS() + 120 })))).toBe(401);
    expect(await status(await sign(base({ aud: 'someone-else' })))).toBe(401);
    expect(await status(await sign(base({ iss: 'https://evil.example' })))).toBe(401);
    const { exp: _exp, ...noExpiry } = base();
    expect(await status(await sign(noExpiry))).toBe(401);
  });

  it('refuses a token signed with an unknown key, under an unknown or a known kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    expect(await status(await sign(base(), { kid: 'ledger-unknown' }, privateKey))).toBe(401);
    expect(await status(await sign(base(), {}, privateKey))).toBe(401);
  });

  it("refuses alg none, and HS256 'signed' with the ledger's public key", async () => {
    expect(await status(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(base())}.`)).toBe(401);
    expect(await status(`${b64({ alg: 'none', typ: 'JWT', kid: keys.activeKid })}.${b64(base())}.`)).toBe(401);
    const publicJwk = keys.publicJwk(keys.activeKid)!;
    for (const secret of [JSON.stringify(publicJwk), Buffer.from(publicJwk.x!, 'base64url')]) {
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: keys.activeKid })}.${b64(base())}`;
      const mac = createHmac('sha256', secret).update(input).digest('base64url');
      expect(await status(`${input}.${mac}`)).toBe(401);
    }
  });

  it('refuses an unsubscribe link or a decision receipt presented as a bearer token', async () => {
    const link = await ledger.request('POST', '/v1/unsubscribe-links', { token: await ledger.token('acme', ['eligibility:check']), body: { email: 'a@example.com', purpose: 'marketing' } });
    expect(await status(new URL(link.body.url).searchParams.get('token')!)).toBe(401);
    expect(await status('garbage')).toBe(401);
  });

  it('accepts tokens of the old and the new key after a rotation by another process (ledgerctl keys rotate)', async () => {
    const old = await ledger.token('acme', ['consent:read']);
    const other = await KeySet.loadOrCreate(join(ledger.dataDir, 'keys'));
    const kid = await other.rotate();
    const fresh = await issueToken(other, { tenant: 'acme', scopes: ['consent:read'], ttlSeconds: 60 });
    expect(JSON.parse(Buffer.from(fresh.split('.')[0], 'base64url').toString()).kid).toBe(kid);
    expect(await status(fresh)).toBe(404);
    expect(await status(old)).toBe(404);
  });
});

describe('external issuers from a JWKS URL', () => {
  let server: Server;
  let app: NestFastifyApplication;
  let dir: string;
  let served: JWK[] = [];
  let fetches = 0;
  const ISSUER = 'https://idp.example.test';
  const keyPair = async (kid: string) => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
  };
  const token = (key: { kid: string; privateKey: CryptoKey }, over: Record<string, unknown> = {}) =>
    new SignJWT({ tenant: 'acme', scope: 'admin', azp: 'crm', ...over }).setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(ISSUER).setAudience('consent-ledger-api').setSubject('svc-1').setIssuedAt().setExpirationTime('5m').sign(key.privateKey);
  const call = async (jwt: string) => (await app.inject({ method: 'GET', url: '/v1/tenant/settings', headers: { authorization: `Bearer ${jwt}` } })).statusCode;

  beforeAll(async () => {
    server = createServer((req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
    dir = await mkdtemp(join(tmpdir(), 'ledger-jwks-'));
    app = await createApp(loadConfig({
      LEDGER_DATA_DIR: dir, LOG_LEVEL: 'error',
      JWT_ISSUERS: JSON.stringify([{ issuer: ISSUER, audience: 'consent-ledger-api', jwksUrl, algorithms: ['RS256'], cooldownMs: 0 }]),
    }), { clock: new FakeClock(), logger: false });
  });
  afterAll(async () => {
    await app.close();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('fetches the JWKS once, refreshes on an unknown kid, accepts old and new kid during the overlap', async () => {
    const first = await keyPair('k1');
    const second = await keyPair('k2');
    served = [first.jwk];
    expect(await call(await token(first))).toBe(200);
    expect(await call(await token(first))).toBe(200);
    expect(fetches).toBe(1);
    served = [first.jwk, second.jwk];
    expect(await call(await token(second))).toBe(200);
    expect(fetches).toBe(2);
    expect(await call(await token(first))).toBe(200);
    expect(fetches).toBe(2);
    const stranger = await keyPair('k3');
    expect(await call(await token(stranger))).toBe(401);
    expect(fetches).toBeGreaterThanOrEqual(3);
  });

  it("pins the issuer's algorithms and audience: HS256 with its public key, another audience, or no tenant are refused", async () => {
    const key = await keyPair('k4');
    served = [key.jwk];
    const input = `${b64({ alg: 'HS256', kid: 'k4' })}.${b64({ iss: ISSUER, aud: 'consent-ledger-api', tenant: 'acme', scope: 'admin', exp: nowS() + 60 })}`;
    expect(await call(`${input}.${createHmac('sha256', JSON.stringify(key.jwk)).update(input).digest('base64url')}`)).toBe(401);
    expect(await call(await new SignJWT({ tenant: 'acme', scope: 'admin' }).setProtectedHeader({ alg: 'RS256', kid: 'k4' })
      .setIssuer(ISSUER).setAudience('another-api').setExpirationTime('5m').sign(key.privateKey))).toBe(401);
    expect(await call(await token(key, { tenant: undefined }))).toBe(401);
    expect(await call(await token(key, { scope: 'consent:read' }))).toBe(403);
  });
});

describe('rate limiting', () => {
  it('answers 429 problem+json with Retry-After per client, leaving other clients alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ledger-rate-'));
    const app = await createApp(loadConfig({ LEDGER_DATA_DIR: dir, LOG_LEVEL: 'error', RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' }), { clock: new FakeClock(), logger: false });
    try {
      const keys = await KeySet.loadOrCreate(join(dir, 'keys'));
      const one = await issueToken(keys, { tenant: 'acme', scopes: ['admin'], ttlSeconds: 60, actor: 'one' });
      const two = await issueToken(keys, { tenant: 'acme', scopes: ['admin'], ttlSeconds: 60, actor: 'two' });
      const get = (jwt?: string) => app.inject({ method: 'GET', url: '/v1/tenant/settings', headers: jwt ? { authorization: `Bearer ${jwt}` } : {} });
      for (let i = 0; i < 3; i++) expect((await get(one)).statusCode).toBe(200);
      const limited = await get(one);
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(JSON.parse(limited.payload)).toEqual(expect.objectContaining({ status: 429, type: expect.stringMatching(/rate-limited$/) }));
      expect((await get(two)).statusCode).toBe(200);
      for (let i = 0; i < 3; i++) expect((await get()).statusCode).toBe(401);
      expect((await get()).statusCode).toBe(429);
    } finally {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
