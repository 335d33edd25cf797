import { contactStreamId } from '@app/domain';
import { issueUnsubscribeToken, KeySet } from '@app/security';
import { startLedger, type TestLedger } from '../../../../test/support/ledger';

/** Issue 7 / RFC 8058: one-click unsubscribe from a plain HTTP client — no cookies, no JavaScript, no login. */
describe('one-click unsubscribe', () => {
  let ledger: TestLedger;
  let sender: string;
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

  const link = async (email: string, purpose = 'marketing') => {
    const response = await ledger.request('POST', '/v1/unsubscribe-links', { token: sender, body: { email, purpose }, headers: { host: 'ledger.example.org' } });
    expect(response.status).toBe(200);
    return response.body as { url: string; contactKey: string; expiresAt: string; headers: Record<string, string> };
  };
  const pathOf = (url: string) => { const u = new URL(url); return `${u.pathname}${u.search}`; };
  const events = async (contactKey: string) => (await ledger.store.readStream(contactStreamId('acme', contactKey))).length;
  const oneClick = (path: string) => ledger.request('POST', path, { payload: 'List-Unsubscribe=One-Click', headers: FORM });
  const checkContact = async (email: string) => (await ledger.request('POST', '/v1/eligibility/check', {
    token: sender,
    body: { contact: { type: 'email', value: email }, channel: 'email', purpose: 'marketing', minPosition: (await ledger.store.headPosition()).toString() },
  })).body;

  beforeAll(async () => {
    ledger = await startLedger();
    sender = await ledger.token('acme', ['eligibility:check']);
  });
  afterAll(() => ledger.close());

  it('hands out the List-Unsubscribe and List-Unsubscribe-Post values: HTTPS, signed, 60 days or more, no address in clear', async () => {
    const answer = await link('Jane@Example.com');
    expect(answer.url).toMatch(/^https:\/\/ledger\.example\.org\/v1\/unsubscribe\?token=[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(answer.headers).toEqual({ 'List-Unsubscribe': `<${answer.url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
    expect(Date.parse(answer.expiresAt) - ledger.clock.now().getTime()).toBeGreaterThanOrEqual(60 * 86_400_000);
    const decoded = Buffer.from(answer.url.split('.')[answer.url.split('.').length - 2], 'base64url').toString();
    expect(answer.url.toLowerCase()).not.toContain('jane');
    expect(decoded.toLowerCase()).not.toContain('jane');
    expect((await ledger.request('POST', '/v1/unsubscribe-links', { token: await ledger.token('acme', ['consent:read']), body: { email: 'a@b.org', purpose: 'marketing' } })).status).toBe(403);
  });

  it('a GET (what a link scanner sends) appends nothing and shows a confirmation page with a POST button and the preferences link', async () => {
    const { url, contactKey } = await link('scanner@example.com');
    const page = await ledger.request('GET', pathOf(url));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toMatch(/<form method="post" action="\/v1\/unsubscribe\?token=[^"]+">/);
    expect(page.text).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(page.text).toContain('href="/preferences"');
    expect(page.headers['content-security-policy']).toEqual(expect.stringContaining("default-src 'self'"));
    expect(page.headers['x-frame-options']).toBeDefined();
    expect(await events(contactKey)).toBe(0);
  });

  it('the one-click POST suppresses the address (CONTACT_OPTED_OUT); twice appends once', async () => {
    const { url, contactKey } = await link('jane@example.com');
    const codes = async () => (await checkContact('jane@example.com')).reasons.map((r: { code: string }) => r.code);
    expect(await codes()).not.toContain('CONTACT_OPTED_OUT');
    const first = await oneClick(pathOf(url));
    expect(first.status).toBe(200);
    expect(await events(contactKey)).toBe(1);
    const [event] = await ledger.store.readStream(contactStreamId('acme', contactKey));
    expect(event.data).toEqual(expect.objectContaining({ purpose: 'marketing', channel: 'email', source: 'one-click' }));
    const decision = await checkContact('jane@example.com');
    expect(decision.decision).toBe('DENY');
    expect(decision.reasons.map((r: { code: string }) => r.code)).toContain('CONTACT_OPTED_OUT');
    expect((await oneClick(pathOf(url))).status).toBe(200);
    expect(await events(contactKey)).toBe(1);
  });

  it('refuses a forged link (another key, or an altered claim) without appending', async () => {
    const { url, contactKey } = await link('forged@example.com');
    const stranger = KeySet.fromKeys([await KeySet.generate(new Date())]);
    const now = ledger.clock.now();
    const { token } = await issueUnsubscribeToken(stranger, { tenant: 'acme', contactKey, contactType: 'email', purpose: 'marketing', channel: 'email' },
      now, new Date(now.getTime() + 90 * 86_400_000));
    const forged = await oneClick(`/v1/unsubscribe?token=${token}`);
    expect(forged.status).toBe(404);
    const [h, p, s] = pathOf(url).slice('/v1/unsubscribe?token='.length).split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const altered = Buffer.from(JSON.stringify({ ...claims, purpose: '*' })).toString('base64url');
    expect((await oneClick(`/v1/unsubscribe?token=${h}.${altered}.${s}`)).status).toBe(404);
    expect((await oneClick('/v1/unsubscribe?token=not-a-token')).status).toBe(404);
    expect((await ledger.request('GET', `/v1/unsubscribe?token=${token}`)).status).toBe(404);
    expect(await events(contactKey)).toBe(0);
  });

  it('an expired link appends nothing by itself and offers the by-address page, which unsubscribes by address alone', async () => {
    const { url, contactKey } = await link('late@example.com');
    ledger.clock.advance(100 * 86_400_000);
    const expired = await oneClick(pathOf(url));
    expect(expired.status).toBe(410);
    expect(expired.text).toMatch(/<form method="post" action="\/v1\/unsubscribe\/by-address\?token=[^"]+">/);
    expect(expired.text).toContain('name="email"');
    expect((await ledger.request('GET', pathOf(url))).text).toContain('/by-address');
    expect(await events(contactKey)).toBe(0);
    const byAddress = await ledger.request('POST', pathOf(url).replace('/v1/unsubscribe?', '/v1/unsubscribe/by-address?'), { payload: 'email=Late%40Example.com', headers: FORM });
    expect(byAddress.status).toBe(200);
    expect(await events(contactKey)).toBe(1);
    expect((await checkContact('late@example.com')).reasons.map((r: { code: string }) => r.code)).toContain('CONTACT_OPTED_OUT');
  });

  it('a POST without the RFC 8058 body changes nothing', async () => {
    const { url, contactKey } = await link('body@example.com');
    expect((await ledger.request('POST', pathOf(url), { payload: 'List-Unsubscribe=Maybe', headers: FORM })).status).toBe(400);
    expect(await events(contactKey)).toBe(0);
  });
});
