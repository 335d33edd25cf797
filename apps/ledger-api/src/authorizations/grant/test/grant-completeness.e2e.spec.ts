import type { Database } from '@app/platform/database';
import { startLedger, type TestLedger } from '../../../../../../test/support/ledger';
import { grantBody } from '../../../../test/fixtures';
import { DATABASE } from '../../../ledger/tokens';

type Body = Record<string, any>;
const signature = (changes: Body) => ({ ...(grantBody().signature as Body), ...changes });
const statements = (changes: Body) => ({ rightToRevoke: true, noConditioning: true, redisclosure: true, ...changes });
const without = (field: string) => { const body = grantBody(); delete body[field]; return body; };

/** Each required element missing or invalid in turn (API.md: 422 defective-authorization, nothing appended). */
const CASES: [string, string, Body][] = [
  ['informationDescription', 'absent', without('informationDescription')],
  ['disclosers', 'an empty list', grantBody({ disclosers: [] })],
  ['recipients', 'absent', without('recipients')],
  ['purposes', 'an empty list', grantBody({ purposes: [] })],
  ['purposeStatement', 'blank', grantBody({ purposeStatement: '  ' })],
  ['expiration', 'neither a date nor an event', grantBody({ expiresAt: null, expirationEvent: null })],
  ['expiration', 'a date already passed', grantBody({ expiresAt: '2026-01-01T00:00:00Z' })],
  ['signature', 'no signer name', grantBody({ signature: signature({ signerName: '' }) })],
  ['signature', 'drawn without its image', grantBody({ signature: signature({ method: 'drawn', image: null }) })],
  ['signature', 'paper without its scan', grantBody({ signature: signature({ method: 'paper', image: null }) })],
  ['signedAt', 'absent', grantBody({ signature: signature({ signedAt: undefined }) })],
  ['representativeAuthority', 'a representative without it', grantBody({ signature: signature({ signerRole: 'personal-representative', representativeAuthority: null }) })],
  ['statements.rightToRevoke', 'false', grantBody({ statements: statements({ rightToRevoke: false }) })],
  ['statements.noConditioning', 'absent', grantBody({ statements: statements({ noConditioning: undefined }) })],
  ['statements.redisclosure', 'false', grantBody({ statements: statements({ redisclosure: false }) })],
  ['remuneration.statement', 'remuneration involved, no statement', grantBody({ remuneration: { involved: true, statement: null } })],
  ['compound', 'bundled with another document', grantBody({ compound: true })],
  ['conditioned', 'care conditioned on signing', grantBody({ conditioned: true })],
  ['form', 'no form id', without('formId')],
  ['form', 'an unpublished version', grantBody({ formVersion: '2099-01' })],
  ['form', 'a notice, not an authorization', grantBody({ formId: 'fundraising-opt-out-notice', formVersion: '2026-01' })],
];

describe('grant completeness (45 CFR 164.508(b)(2), (c))', () => {
  let ledger: TestLedger;
  let token: string;
  let db: Database;
  const count = async (table: string) => (await db.query<{ n: string }>(`SELECT count(*)::int8 AS n FROM ${table}`))[0].n;

  beforeAll(async () => {
    ledger = await startLedger();
    token = await ledger.token('acme', ['consent:write', 'consent:read']);
    db = ledger.app.get<Database>(DATABASE);
  });
  afterAll(() => ledger.close());

  it.each(CASES)('%s (%s): 422 naming it, and nothing appended or stored', async (element, _how, body) => {
    const events = await count('ledger_events');
    const documents = await count('documents');
    const refused = await ledger.request('POST', '/v1/subjects/p-1001/authorizations', { token, body });
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body.type).toMatch(/\/defective-authorization$/);
    expect(refused.body.missingElements).toEqual(expect.arrayContaining([
      expect.objectContaining({ element, rule: expect.stringMatching(/^45 CFR 164\.5/), message: expect.any(String) }),
    ]));
    expect(await count('ledger_events')).toBe(events);
    expect(await count('documents')).toBe(documents);
    expect((await ledger.request('GET', '/v1/subjects/p-1001/history', { token })).status).toBe(404);
  });

  it('lists every defect at once, the catalogue’s beside the domain’s', async () => {
    const body = grantBody({ formVersion: '2099-01', recipients: [], statements: statements({ redisclosure: false }) });
    const refused = await ledger.request('POST', '/v1/subjects/p-1001/authorizations', { token, body });
    expect(refused.status).toBe(422);
    expect(refused.body.missingElements.map((m: { element: string }) => m.element).sort())
      .toEqual(['form', 'recipients', 'statements.redisclosure']);
  });

  it('a complete authorization is accepted, with its document stored and its hash and signature in the event', async () => {
    const granted = await ledger.request('POST', '/v1/subjects/p-1001/authorizations', { token, body: grantBody() });
    expect(granted.status).toBe(201);
    expect(granted.body).toEqual({
      authorizationId: 'auth-1', status: 'active', position: expect.stringMatching(/^\d+$/),
      documentUrl: '/v1/subjects/p-1001/authorizations/auth-1/document',
    });
    const history = await ledger.request('GET', '/v1/subjects/p-1001/history', { token });
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual(['AuthorizationGranted']);
    expect(history.body.events[0].data).toEqual(expect.objectContaining({
      documentSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      documentSignature: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    }));
    expect(await count('documents')).toBe('1');
  });

  it('a client without an authorizationId gets a generated one, named in the PDF it can fetch', async () => {
    const granted = await ledger.request('POST', '/v1/subjects/p-2002/authorizations', { token, body: without('authorizationId') });
    expect(granted.status).toBe(201);
    expect(granted.body.authorizationId).toMatch(/^[0-9a-f-]{36}$/);
    const document = await ledger.request('GET', granted.body.documentUrl, { token });
    expect(document.status).toBe(200);
    expect(document.headers['content-type']).toBe('application/pdf');
  });
});
