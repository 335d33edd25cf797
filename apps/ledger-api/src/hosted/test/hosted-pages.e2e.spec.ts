import { createHash } from 'node:crypto';
import { startLedger, type TestLedger } from '../../../../../test/support/ledger';
import { grantBody } from '../../../test/fixtures';

/** The authorization a portal offers for signing: the grant's elements, no signature. */
export function offeredAuthorization(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { signature: _s, statements: _t, ...terms } = grantBody({ authorizationId: 'auth-web-1', ...overrides });
  return terms;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('hosted signing and preferences pages (without JavaScript)', () => {
  let ledger: TestLedger;
  let token: string;

  beforeAll(async () => {
    ledger = await startLedger();
    token = await ledger.token('acme', ['consent:write', 'consent:read']);
  });
  afterAll(() => ledger.close());

  const links = (subjectId: string, body: Record<string, unknown>) =>
    ledger.request('POST', `/v1/subjects/${subjectId}/links`, { token, body });
  const post = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) => ledger.app.inject({
    method: 'POST', url, payload: form(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'NoScript/1.0', ...headers },
  });
  const history = async (subjectId: string) => (await ledger.request('GET', `/v1/subjects/${subjectId}/history`, { token }));

  it('mints signing and preferences links that name the subject; they are no bearer tokens', async () => {
    const minted = await links('p-1001', { authorization: offeredAuthorization(), ttlSeconds: 3600 });
    expect(minted.status).toBe(201);
    expect(minted.body).toEqual({
      signUrl: expect.stringMatching(/^\/sign\/[\w-]+\.[\w-]+\.[\w-]+$/),
      preferencesUrl: expect.stringMatching(/^\/preferences\/[\w-]+\.[\w-]+\.[\w-]+$/),
      authorizationId: 'auth-web-1',
      expiresAt: '2026-11-23T15:00:00.000Z',
    });
    const linkToken = minted.body.signUrl.slice('/sign/'.length);
    expect((await ledger.request('GET', '/v1/subjects/p-1001', { token: linkToken })).status).toBe(401);
    // A bearer token is no link either.
    expect((await ledger.app.inject({ method: 'GET', url: `/sign/${token}` })).statusCode).toBe(403);
  });

  it('refuses to offer a defective authorization (422) and needs consent:write', async () => {
    const defective = await links('p-1001', { authorization: offeredAuthorization({ recipients: [], formVersion: '2099-01' }) });
    expect(defective.status).toBe(422);
    expect(defective.body.missingElements.map((m: { element: string }) => m.element).sort()).toEqual(['form', 'recipients']);
    expect((await ledger.request('POST', '/v1/subjects/p-1001/links', { token: await ledger.token('acme', ['consent:read']), body: {} })).status).toBe(403);
    expect((await links('p-1001', { actions: ['sign'] })).status).toBe(400);
  });

  it('a patient signs with a typed name and no script; the grant records the link, IP and user agent; the copy is the stored PDF', async () => {
    const minted = await links('p-2002', { authorization: offeredAuthorization() });
    const shown = await ledger.app.inject({ method: 'GET', url: minted.body.signUrl });
    expect(shown.statusCode).toBe(200);
    expect(shown.headers['content-type']).toContain('text/html');
    expect(shown.headers['content-security-policy']).toContain("script-src 'self'");
    for (const text of ['Authorization to use my health information for marketing', 'Acme Health Marketing and Brightmail Inc.',
      'Your right to revoke', 'Acme Health receives payment from Brightmail Inc.', '<label for="signerName">Your full name</label>']) {
      expect(shown.body).toContain(text);
    }
    const contentSha256 = /name="contentSha256" value="([0-9a-f]{64})"/.exec(shown.body)![1];

    const unticked = await post(minted.body.signUrl, { signerName: 'Jane Doe', signerRole: 'self', method: 'typed', image: '', contentSha256 });
    expect(unticked.statusCode).toBe(422);
    expect(unticked.body).toContain('role="alert"');
    expect((await history('p-2002')).status).toBe(404);

    const signed = await post(minted.body.signUrl, { signerName: 'Jane Doe', signerRole: 'self', method: 'typed', image: '', contentSha256, agree: 'yes' });
    expect(signed.statusCode).toBe(303);
    expect(signed.headers.location).toBe(minted.body.signUrl);

    const events = (await history('p-2002')).body.events;
    expect(events.map((e: { type: string }) => e.type)).toEqual(['AuthorizationGranted']);
    expect(events[0].actor).toMatch(/^signing-link:/);
    expect(events[0].data.signature).toEqual(expect.objectContaining({
      signerName: 'Jane Doe', method: 'typed', intentAct: 'typed-name', signedAt: '2026-11-23T14:00:00.000Z',
      authentication: expect.objectContaining({ method: 'signing-link', ip: '127.0.0.1', userAgent: 'NoScript/1.0' }),
    }));

    const after = await ledger.app.inject({ method: 'GET', url: minted.body.signUrl });
    expect(after.body).toContain('Download your signed copy (PDF)');
    const copy = await ledger.app.inject({ method: 'GET', url: `${minted.body.signUrl}/document` });
    expect(copy.statusCode).toBe(200);
    expect(copy.headers['content-disposition']).toBe('attachment; filename="authorization-auth-web-1.pdf"');
    expect(createHash('sha256').update(copy.rawPayload).digest('hex')).toBe(events[0].data.documentSha256);

    // Submitting again signs nothing more.
    await post(minted.body.signUrl, { signerName: 'Jane Doe', signerRole: 'self', method: 'typed', image: '', contentSha256, agree: 'yes' });
    // Without an ESIGN consent the download above was no copy given (E2): nothing recorded, the copy is owed on paper.
    expect((await history('p-2002')).body.events).toHaveLength(1);

    // With one, the first download is the copy given through the portal (H7); later downloads add nothing.
    const consent = await ledger.request('POST', '/v1/subjects/p-2002/esign-consent', { token, body: { disclosureVersion: '2026-01', demonstratedAccess: true } });
    expect(consent.status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await ledger.app.inject({ method: 'GET', url: `${minted.body.signUrl}/document` })).statusCode).toBe(200);
    const copies = (await history('p-2002')).body.events.filter((e: { type: string }) => e.type === 'AuthorizationCopyProvided');
    expect(copies).toHaveLength(1);
    expect(copies[0].actor).toMatch(/^signing-link:/);
    expect(copies[0].data).toEqual(expect.objectContaining({
      authorizationId: 'auth-web-1', method: 'portal', esignConsent: expect.objectContaining({ disclosureVersion: '2026-01' }),
    }));
  });

  it('a representative without their authority is asked for it; the shown form must be the signed one', async () => {
    const minted = await links('p-4004', { authorization: offeredAuthorization() });
    const shown = await ledger.app.inject({ method: 'GET', url: minted.body.signUrl });
    const contentSha256 = /name="contentSha256" value="([0-9a-f]{64})"/.exec(shown.body)![1];
    const rep = await post(minted.body.signUrl, { signerName: 'John Doe', signerRole: 'personal-representative', representativeAuthority: '', contentSha256, agree: 'yes' });
    expect(rep.statusCode).toBe(422);
    expect(rep.body).toContain('describe your authority');
    const stale = await post(minted.body.signUrl, { signerName: 'Jane Doe', signerRole: 'self', contentSha256: '0'.repeat(64), agree: 'yes' });
    expect(stale.statusCode).toBe(409);
    expect((await history('p-4004')).status).toBe(404);
  });

  it('an expired or tampered signing link is refused with a clear page, and nothing is appended', async () => {
    const minted = await links('p-3003', { authorization: offeredAuthorization(), ttlSeconds: 60 });
    const [header, payload, signature] = minted.body.signUrl.slice('/sign/'.length).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'p-9999' })).toString('base64url');
    const tampered = `/sign/${header}.${forged}.${signature}`;
    for (const method of ['GET', 'POST'] as const) {
      const refused = method === 'GET' ? await ledger.app.inject({ method, url: tampered }) : await post(tampered, { signerName: 'Mallory', agree: 'yes' });
      expect(refused.statusCode).toBe(403);
      expect(refused.body).toContain('<h1>This link is not valid</h1>');
      expect(refused.body).toContain('Nothing was signed or changed.');
    }
    ledger.clock.advance(61_000);
    const expired = await post(minted.body.signUrl, { signerName: 'Jane Doe', signerRole: 'self', agree: 'yes' });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('<h1>This link has expired</h1>');
    expect((await ledger.app.inject({ method: 'GET', url: minted.body.signUrl })).statusCode).toBe(410);
    expect((await history('p-3003')).status).toBe(404);
    expect((await history('p-9999')).status).toBe(404);
    ledger.clock.set('2026-11-23T14:00:00Z');
  });

  it('the preferences page opts out of marketing email and revokes an authorization, each a recorded event', async () => {
    const minted = await links('p-2002', {});
    expect(Object.keys(minted.body).sort()).toEqual(['expiresAt', 'preferencesUrl']);
    const shown = await ledger.app.inject({ method: 'GET', url: minted.body.preferencesUrl });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('Opt out<span class="sr-only"> of marketing by email</span>');
    expect(shown.body).toContain('Revoke this authorization');

    const optedOut = await post(`${minted.body.preferencesUrl}/choice`, { purpose: 'marketing', channel: 'email', choice: 'opt-out' });
    expect(optedOut.statusCode).toBe(303);
    const confirmed = await ledger.app.inject({ method: 'GET', url: optedOut.headers.location as string });
    expect(confirmed.body).toContain('Saved: you have opted out of marketing by email.');
    expect(confirmed.body).toContain('Opt in<span class="sr-only"> to marketing by email</span>');

    const revoked = await post(`${minted.body.preferencesUrl}/revoke`, { authorizationId: 'auth-web-1' });
    expect(revoked.statusCode).toBe(303);
    const events = (await history('p-2002')).body.events;
    // (the ESIGN consent and the copy given come from the signing test before, on the same subject)
    expect(events.map((e: { type: string }) => e.type)).toEqual(['AuthorizationGranted', 'EsignConsentGiven', 'AuthorizationCopyProvided', 'PreferenceSet', 'AuthorizationRevoked']);
    expect(events[3].data).toEqual(expect.objectContaining({ purpose: 'marketing', channel: 'email', choice: 'opt-out', source: 'portal' }));
    expect(events[4].data).toEqual(expect.objectContaining({ authorizationId: 'auth-web-1', receivedVia: 'portal' }));
    const view = await ledger.request('GET', '/v1/subjects/p-2002', { token });
    expect(view.body.authorizations[0].status).toBe('revoked');

    const forged = await post(`${minted.body.preferencesUrl}x/choice`, { purpose: 'marketing', channel: 'sms', choice: 'opt-out' });
    expect(forged.statusCode).toBe(403);
    expect((await history('p-2002')).body.events).toHaveLength(5);
  });
});
