import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { grantBody } from '../../apps/ledger-api/test/fixtures';
import { startLedger, type TestLedger } from '../support/ledger';

/** Debian's Chromium; a browser is never downloaded. Missing, the suite fails (it is not skipped). */
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
const IMAGES = join(__dirname, '..', '..', 'docs', 'images');

function offeredAuthorization(authorizationId: string): Record<string, unknown> {
  const { signature: _signature, statements: _statements, ...terms } = grantBody({ authorizationId });
  return terms;
}

describe('a patient signs, downloads the copy, opts out and revokes, in Chromium', () => {
  let ledger: TestLedger;
  let token: string;
  let base: string;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;

  const types = async (subjectId: string) => {
    const history = await ledger.request('GET', `/v1/subjects/${subjectId}/history`, { token });
    return history.status === 200 ? history.body.events.map((e: { type: string }) => e.type) : history.status;
  };
  const shot = (name: string) => page.screenshot({ path: join(IMAGES, name), fullPage: true });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`);
    await mkdir(IMAGES, { recursive: true });
    ledger = await startLedger();
    token = await ledger.token('acme', ['consent:write', 'consent:read']);
    await ledger.app.listen(0, '127.0.0.1');
    base = (await ledger.app.getUrl()).replace('[::1]', '127.0.0.1');
    profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 900, height: 1000 }, acceptDownloads: true,
    });
    page = browser.pages()[0] ?? await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await ledger?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('signs with a drawn signature, downloads the stored PDF, opts out of marketing email, revokes; each step is in the history', async () => {
    const links = await ledger.request('POST', '/v1/subjects/p-1001/links', { token, body: { authorization: offeredAuthorization('auth-web-1') } });
    expect(links.status).toBe(201);

    // 1. The signing page: the form with every element filled in.
    await page.goto(base + links.body.signUrl);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Authorization to use my health information for marketing');
    expect(await page.getByRole('heading', { name: 'Your right to revoke' }).isVisible()).toBe(true);
    await page.getByLabel('Your full name').fill('Jane Doe');
    const pad = page.locator('canvas#pad');
    expect(await pad.isVisible()).toBe(true);

    // 2. Draw a signature on the canvas: a looping stroke across the pad.
    await pad.scrollIntoViewIfNeeded();
    const box = (await pad.boundingBox())!;
    const at = (t: number) => ({
      x: box.x + box.width * (0.08 + 0.8 * t) + 18 * Math.cos(t * 38),
      y: box.y + box.height * (0.55 - 0.25 * Math.sin(t * 38) * (1 - t * 0.5)),
    });
    await page.mouse.move(at(0).x, at(0).y);
    await page.mouse.down();
    for (let i = 1; i <= 120; i++) await page.mouse.move(at(i / 120).x, at(i / 120).y);
    await page.mouse.up();
    expect(await page.getByText('Drawing captured.').isVisible()).toBe(true);
    await page.getByLabel('I have read this form and I sign it electronically.').check();
    await page.locator('form#sign-form').screenshot({ path: join(IMAGES, 'signing-drawn.png') });
    await shot('signing-page.png');
    await page.getByRole('button', { name: 'Sign authorization' }).click();
    await page.waitForSelector('text=Thank you: your authorization is signed');
    await shot('signed-page.png');
    expect(await types('p-1001')).toEqual(['AuthorizationGranted']);

    // 3. Download the copy: the stored bytes, whose SHA-256 the grant event recorded.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download your signed copy (PDF)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('authorization-auth-web-1.pdf');
    const pdf = await readFile((await download.path())!);
    const granted = (await ledger.request('GET', '/v1/subjects/p-1001/history', { token })).body.events[0].data;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(createHash('sha256').update(pdf).digest('hex')).toBe(granted.documentSha256);
    expect(granted.signature).toEqual(expect.objectContaining({
      signerName: 'Jane Doe', method: 'drawn', hasImage: true, intentAct: 'drawn-mark',
      authentication: expect.objectContaining({ method: 'signing-link', userAgent: expect.stringContaining('Chrome') }),
    }));

    // 4. The preferences page: opt out of marketing email.
    ledger.clock.advance(60_000);
    await page.goto(base + links.body.preferencesUrl);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your communication preferences');
    await shot('preferences-page.png');
    await page.getByRole('button', { name: 'Opt out of marketing by email' }).click();
    await page.waitForSelector('text=Saved: you have opted out of marketing by email.');
    expect(await page.getByRole('button', { name: 'Opt in to marketing by email' }).isVisible()).toBe(true);
    expect(await types('p-1001')).toEqual(['AuthorizationGranted', 'PreferenceSet']);

    // 5. Revoke the authorization.
    ledger.clock.advance(60_000);
    await page.getByRole('button', { name: /^Revoke this authorization/ }).click();
    await page.waitForSelector('text=Your authorization is revoked.');
    expect(await page.getByText('Status: revoked').isVisible()).toBe(true);
    await shot('preferences-after.png');
    const events = (await ledger.request('GET', '/v1/subjects/p-1001/history', { token })).body.events;
    expect(events.map((e: { type: string }) => e.type)).toEqual(['AuthorizationGranted', 'PreferenceSet', 'AuthorizationRevoked']);
    expect(events[1].data).toEqual(expect.objectContaining({ purpose: 'marketing', channel: 'email', choice: 'opt-out', source: 'portal' }));
    expect(events[2].data).toEqual(expect.objectContaining({ authorizationId: 'auth-web-1', receivedVia: 'portal' }));
  });

  it('an expired or tampered signing link shows a clear page, and nothing is appended', async () => {
    const links = await ledger.request('POST', '/v1/subjects/p-2002/links', { token, body: { authorization: offeredAuthorization('auth-web-2'), ttlSeconds: 60 } });
    expect(links.status).toBe(201);
    const [header, payload, signature] = links.body.signUrl.slice('/sign/'.length).split('.');
    const tampered = `/sign/${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;

    const refused = await page.goto(base + tampered);
    expect(refused!.status()).toBe(403);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This link is not valid');
    expect(await page.getByRole('alert').textContent()).toContain('Nothing was signed or changed.');
    await shot('link-invalid.png');

    ledger.clock.advance(61_000);
    const expired = await page.goto(base + links.body.signUrl);
    expect(expired!.status()).toBe(410);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This link has expired');
    await shot('link-expired.png');
    expect(await types('p-2002')).toBe(404);
  });
});
