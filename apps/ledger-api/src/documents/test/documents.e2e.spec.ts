import { createHash } from 'node:crypto';
import { applicable, findForm, verifyDocument } from '@app/documents';
import type { Database } from '@app/platform/database';
import { collapse, pdfText, strokePng } from '../../../../../libs/documents/test/support';
import { startLedger, type TestLedger } from '../../../../../test/support/ledger';
import { grantBody } from '../../../test/fixtures';
import { DATABASE } from '../../ledger/tokens';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe.each(['pglite', 'postgres'] as const)('signed documents on %s', (backend) => {
  let ledger: TestLedger;
  let token: string;

  beforeAll(async () => {
    ledger = await startLedger({ backend });
    token = await ledger.token('acme', ['consent:write', 'consent:read']);
  });
  afterAll(() => ledger.close());

  /** The served bytes (Fastify inject keeps them as a Buffer in rawPayload). */
  async function download(url: string) {
    const response = await ledger.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    return { status: response.statusCode, headers: response.headers, bytes: new Uint8Array(response.rawPayload) };
  }

  async function grantEvent(subjectId: string, authorizationId: string) {
    const history = await ledger.request('GET', `/v1/subjects/${subjectId}/history`, { token });
    return history.body.events.find((e: any) => e.type === 'AuthorizationGranted' && e.data.authorizationId === authorizationId).data;
  }

  it('the PDF holds every required element and statement; its SHA-256 is recorded; the JWS verifies with the published key; one flipped byte fails', async () => {
    const body = grantBody({ signature: { ...(grantBody().signature as object), authentication: { method: 'portal-session', ip: '198.51.100.7', userAgent: 'PortalTest/1.0', sessionId: 's-1' } } });
    const granted = await ledger.request('POST', '/v1/subjects/p-1001/authorizations', { token, body });
    expect(granted.status).toBe(201);

    const first = await download(granted.body.documentUrl);
    const second = await download(granted.body.documentUrl);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/pdf');
    expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);

    const event = await grantEvent('p-1001', 'auth-1');
    expect(sha256(first.bytes)).toBe(event.documentSha256);
    expect(first.headers['x-document-sha256']).toBe(event.documentSha256);
    expect(first.headers['x-document-signature']).toBe(event.documentSignature);

    const text = await pdfText(first.bytes);
    const form = findForm('hipaa-marketing', '2026-01')!;
    for (const element of applicable(form.elements, { remunerationInvolved: true, personalRepresentative: false })) {
      expect(text).toContain(element.label);
    }
    for (const statement of applicable(form.statements, { remunerationInvolved: true, personalRepresentative: false })) {
      expect(text).toContain(statement.heading);
    }
    for (const value of ['Name, email address and the services I have received', 'Acme Health Marketing and Brightmail Inc.',
      'To send me information about new wellness programs', 'marketing communications, by email and text message (SMS)',
      'on 2027-11-23 00:00 UTC', 'Acme Health receives payment from Brightmail Inc.', 'Jane Doe', '2026-11-23 13:00 UTC',
      'portal-session', '198.51.100.7', 'PortalTest/1.0', 'hipaa-marketing, version 2026-01', 'auth-1']) {
      expect(text).toContain(value);
    }
    expect(text).toContain(collapse('You may revoke (take back) this authorization at any time by telling Acme Health in writing'));

    const jwks = await ledger.request('GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys[0]).not.toHaveProperty('d');
    expect(await verifyDocument(first.bytes, event.documentSignature, jwks.body, { authorizationId: 'auth-1', signedAt: '2026-11-23T13:00:00Z' }))
      .toEqual({ valid: true, claims: { authorizationId: 'auth-1', documentSha256: event.documentSha256, signedAt: '2026-11-23T13:00:00Z' } });

    // Tamper with the stored document: flip one byte in place.
    const db = ledger.app.get<Database>(DATABASE);
    await db.query(
      `UPDATE documents SET content = set_byte(content, 200, get_byte(content, 200) # 1) WHERE tenant_id = $1 AND sha256 = $2`,
      ['acme', event.documentSha256],
    );
    const tampered = await download(granted.body.documentUrl);
    expect(tampered.bytes.length).toBe(first.bytes.length);
    expect(Buffer.from(tampered.bytes).equals(Buffer.from(first.bytes))).toBe(false);
    expect(await verifyDocument(tampered.bytes, event.documentSignature, jwks.body))
      .toEqual(expect.objectContaining({ valid: false, reason: 'hash-mismatch' }));
  });

  it('a drawn signature is embedded in the PDF; a paper scan is stored as the document itself', async () => {
    const png = strokePng();
    const drawn = await ledger.request('POST', '/v1/subjects/p-2002/authorizations', {
      token, body: grantBody({ authorizationId: 'auth-drawn', signature: { ...(grantBody().signature as object), method: 'drawn', image: Buffer.from(png).toString('base64') } }),
    });
    expect(drawn.status).toBe(201);
    const pdf = await download(drawn.body.documentUrl);
    expect(Buffer.from(pdf.bytes).toString('latin1')).toContain('/Subtype /Image');
    expect(sha256(pdf.bytes)).toBe((await grantEvent('p-2002', 'auth-drawn')).documentSha256);

    const scan = strokePng(300, 100);
    const paper = await ledger.request('POST', '/v1/subjects/p-2002/authorizations', {
      token, body: grantBody({ authorizationId: 'auth-paper', signature: { ...(grantBody().signature as object), method: 'paper', image: Buffer.from(scan).toString('base64') } }),
    });
    expect(paper.status).toBe(201);
    const stored = await download(paper.body.documentUrl);
    expect(stored.headers['content-type']).toBe('image/png');
    expect(Buffer.from(stored.bytes).equals(Buffer.from(scan))).toBe(true);
    const event = await grantEvent('p-2002', 'auth-paper');
    expect(event.documentSha256).toBe(sha256(scan));
    expect(event.signature).toEqual(expect.objectContaining({ method: 'paper', intentAct: 'wet-ink', hasImage: true }));
    const jwks = (await ledger.request('GET', '/.well-known/jwks.json')).body;
    expect((await verifyDocument(stored.bytes, event.documentSignature, jwks)).valid).toBe(true);
  });

  it('a scan that is neither PDF nor PNG, or a drawn image that is not PNG, is 400 and nothing is appended', async () => {
    const gif = Buffer.from('GIF89a not really').toString('base64');
    for (const method of ['paper', 'drawn']) {
      const refused = await ledger.request('POST', '/v1/subjects/p-3003/authorizations', {
        token, body: grantBody({ signature: { ...(grantBody().signature as object), method, image: gif } }),
      });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([{ field: 'signature.image', message: expect.stringMatching(/^must be a base64 /) }]);
    }
    expect((await ledger.request('GET', '/v1/subjects/p-3003/history', { token })).status).toBe(404);
  });

  it('the document route needs consent:read, and knows only this tenant’s authorizations', async () => {
    const url = '/v1/subjects/p-1001/authorizations/auth-1/document';
    expect((await ledger.request('GET', url)).status).toBe(401);
    expect((await ledger.request('GET', url, { token: await ledger.token('acme', ['consent:write']) })).status).toBe(403);
    expect((await ledger.request('GET', url, { token: await ledger.token('globex', ['consent:read']) })).status).toBe(404);
    expect((await ledger.request('GET', '/v1/subjects/p-1001/authorizations/nope/document', { token })).status).toBe(404);
  });

  it('publishes the forms: the list, one version with its elements and rules, 404 for an unpublished one', async () => {
    const list = await ledger.request('GET', '/v1/forms', { token });
    expect(list.status).toBe(200);
    expect(list.body.forms.map((f: any) => `${f.formId}@${f.version}`))
      .toEqual(['hipaa-marketing@2026-01', 'fundraising-opt-out-notice@2026-01', 'part2-consent@2026-02']);
    const one = await ledger.request('GET', '/v1/forms/hipaa-marketing/2026-01', { token });
    expect(one.body).toEqual(expect.objectContaining({ kind: 'authorization', templateSha256: expect.stringMatching(/^[0-9a-f]{64}$/) }));
    expect(one.body.elements).toEqual(expect.arrayContaining([{ element: 'recipients', label: 'Who may receive it', rule: '45 CFR 164.508(c)(1)(iii)', ruleId: 'H4' }]));
    expect((await ledger.request('GET', '/v1/forms/hipaa-marketing/2099-01', { token })).status).toBe(404);
  });
});
