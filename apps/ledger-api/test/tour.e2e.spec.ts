import { startLedger, type TestLedger } from '../../../test/support/ledger';
import { grantBody } from './fixtures';

const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);

/** The README's five-minute tour, step by step, on both backends. */
describe.each(['pglite', 'postgres'] as const)('the README tour on %s', (backend) => {
  let ledger: TestLedger;
  let token: string;

  beforeAll(async () => {
    ledger = await startLedger({ backend });
    token = await ledger.token('acme', ['consent:write', 'consent:read', 'eligibility:check', 'audit:read']);
  });
  afterAll(() => ledger.close());

  it('links, grants, checks, revokes, checks again and reads the history', async () => {
    const linked = await ledger.request('POST', '/v1/subjects/p-1001/contacts', { token, body: { type: 'email', value: ' Jane@Example.com ' } });
    expect(linked.status).toBe(200);
    expect(linked.body.contactKey).toMatch(/^[0-9a-f]{64}$/);

    const granted = await ledger.request('POST', '/v1/subjects/p-1001/authorizations', { token, body: grantBody() });
    expect(granted.status).toBe(201);
    expect(granted.body).toEqual({
      authorizationId: 'auth-1', status: 'active', position: expect.stringMatching(/^\d+$/),
      documentUrl: '/v1/subjects/p-1001/authorizations/auth-1/document',
    });

    const allowed = await ledger.request('POST', '/v1/eligibility/check', {
      token,
      body: {
        subjectId: 'p-1001', contact: { type: 'email', value: 'jane@example.com' }, channel: 'email',
        communication: { category: 'third-party-product', thirdPartyRemuneration: true }, minPosition: granted.body.position,
      },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body).toEqual(expect.objectContaining({
      decision: 'ALLOW', purpose: 'marketing', requires: 'authorization',
      basis: expect.objectContaining({ authorizationId: 'auth-1' }), policyVersion: expect.any(String),
    }));
    expect(codes(allowed.body)).toEqual(['AUTHORIZED']);
    expect(allowed.body.reasons[0].rule).toBe('45 CFR 164.508(a)(3)');

    const reminder = await ledger.request('POST', '/v1/eligibility/check', {
      token, body: { subjectId: 'p-2002', channel: 'sms', communication: { category: 'appointment-reminder' } },
    });
    expect(reminder.body).toEqual(expect.objectContaining({ decision: 'ALLOW', purpose: 'treatment', requires: 'none' }));
    expect(codes(reminder.body)).toEqual(['TREATMENT_EXEMPT']);

    const revoked = await ledger.request('POST', '/v1/subjects/p-1001/authorizations/auth-1/revoke', { token, body: { receivedVia: 'portal' } });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ authorizationId: 'auth-1', status: 'revoked', position: expect.stringMatching(/^\d+$/) });
    expect(BigInt(revoked.body.position)).toBeGreaterThan(BigInt(granted.body.position));

    const again = await ledger.request('POST', '/v1/subjects/p-1001/authorizations/auth-1/revoke', { token, body: { receivedVia: 'mail', note: 'second letter' } });
    expect(again.body).toEqual(revoked.body);

    const denied = await ledger.request('POST', '/v1/eligibility/check', {
      token,
      body: { subjectId: 'p-1001', channel: 'email', communication: { category: 'third-party-product', thirdPartyRemuneration: true }, minPosition: revoked.body.position },
    });
    expect(denied.body.decision).toBe('DENY');
    expect(codes(denied.body)).toEqual(['NO_AUTHORIZATION', 'AUTHORIZATION_REVOKED']);

    // 45 CFR 164.508(b)(5): the revocation is not retroactive.
    const before = await ledger.request('POST', '/v1/eligibility/check', {
      token, body: { subjectId: 'p-1001', channel: 'email', purpose: 'marketing', asOf: '2026-11-23T13:30:00Z' },
    });
    expect(before.body.decision).toBe('ALLOW');

    const history = await ledger.request('GET', '/v1/subjects/p-1001/history', { token });
    expect(history.status).toBe(200);
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual(['ContactPointLinked', 'AuthorizationGranted', 'AuthorizationRevoked']);
    expect(history.body.events[2]).toEqual(expect.objectContaining({
      stream: expect.stringContaining('p-1001'), revision: 2, actor: 'test', recordedAt: '2026-11-23T14:00:00.000Z',
    }));

    const view = await ledger.request('GET', '/v1/subjects/p-1001', { token });
    expect(view.body.authorizations[0]).toEqual(expect.objectContaining({ authorizationId: 'auth-1', status: 'revoked' }));
    expect(view.body.contacts).toEqual([{ contactKey: linked.body.contactKey, type: 'email' }]);

    const verified = await ledger.request('GET', '/v1/audit/verify', { token });
    expect(verified.body).toEqual({ ok: true, streams: 1, events: 3 });
  });
});

describe('Idempotency-Key', () => {
  let ledger: TestLedger;
  let token: string;

  beforeAll(async () => {
    ledger = await startLedger();
    token = await ledger.token('acme');
  });
  afterAll(() => ledger.close());

  it('answers a repeat with the first response and appends nothing; another body is 409', async () => {
    const headers = { 'idempotency-key': 'grant-7' };
    const first = await ledger.request('POST', '/v1/subjects/p-7/authorizations', { token, body: grantBody({ authorizationId: undefined }), headers });
    expect(first.status).toBe(201);
    const count = (await ledger.store.readAll({ maxCount: 1000 })).length;
    const repeat = await ledger.request('POST', '/v1/subjects/p-7/authorizations', { token, body: grantBody({ authorizationId: undefined }), headers });
    expect(repeat.status).toBe(201);
    expect(repeat.body).toEqual(first.body);
    expect((await ledger.store.readAll({ maxCount: 1000 })).length).toBe(count);

    const other = await ledger.request('POST', '/v1/subjects/p-7/authorizations', { token, body: grantBody({ authorizationId: undefined, purposes: ['research'] }), headers });
    expect(other.status).toBe(409);
    expect(other.body.type).toMatch(/\/idempotency-key-reused$/);
    expect((await ledger.store.readAll({ maxCount: 1000 })).length).toBe(count);
  });

  it('scopes keys per tenant and route', async () => {
    const headers = { 'idempotency-key': 'k-1' };
    const a = await ledger.request('PUT', '/v1/subjects/p-8/preferences', { token, headers, body: { purpose: 'marketing', channel: 'email', choice: 'opt-out', source: 'portal' } });
    const b = await ledger.request('POST', '/v1/subjects/p-8/contacts', { token, headers, body: { type: 'email', value: 'p8@example.com' } });
    const c = await ledger.request('PUT', '/v1/subjects/p-8/preferences', { token: await ledger.token('globex'), headers, body: { purpose: 'marketing', channel: 'sms', choice: 'opt-out', source: 'portal' } });
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
  });

  it('answers a repeat only to a caller allowed to make the request', async () => {
    const headers = { 'idempotency-key': 'grant-scoped' };
    const first = await ledger.request('POST', '/v1/subjects/p-10/authorizations', { token, body: grantBody({ authorizationId: undefined }), headers });
    expect(first.status).toBe(201);
    const readOnly = await ledger.token('acme', ['consent:read']);
    const repeat = await ledger.request('POST', '/v1/subjects/p-10/authorizations', { token: readOnly, body: grantBody({ authorizationId: undefined }), headers });
    expect(repeat.status).toBe(403);
    expect(repeat.body.type).toMatch(/\/insufficient-scope$/);
    const anonymous = await ledger.request('POST', '/v1/subjects/p-10/authorizations', { body: grantBody({ authorizationId: undefined }), headers });
    expect(anonymous.status).toBe(401);
  });

  it('answers a repeated check with the first decision, and logs each answer it gives', async () => {
    const headers = { 'idempotency-key': 'check-1' };
    const question = { subjectId: 'p-11', channel: 'email', purpose: 'marketing' };
    const first = await ledger.request('POST', '/v1/eligibility/check', { token, body: question, headers });
    expect(first.status).toBe(200);
    expect(first.body.decision).toBe('DENY');
    const granted = await ledger.request('POST', '/v1/subjects/p-11/authorizations', { token, body: grantBody() });
    const fresh = await ledger.request('POST', '/v1/eligibility/check', { token, body: { ...question, minPosition: granted.body.position } });
    expect(fresh.body.decision).toBe('ALLOW');
    const repeat = await ledger.request('POST', '/v1/eligibility/check', { token, body: question, headers });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(first.body);
    const log = await ledger.request('GET', '/v1/audit/access?subjectId=p-11', { token });
    expect(log.body.entries.filter((e: { action: string }) => e.action === 'eligibility-check')).toHaveLength(3);
  });

  it('lets two racing repeats append once', async () => {
    const headers = { 'idempotency-key': 'race-1' };
    const body = { purpose: 'marketing', channel: 'sms', choice: 'opt-out', source: 'portal' };
    const count = (await ledger.store.readAll({ maxCount: 1000 })).length;
    const answers = await Promise.all([1, 2, 3].map(() => ledger.request('PUT', '/v1/subjects/p-9/preferences', { token, headers, body })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(new Set(answers.map((a) => a.body.position)).size).toBe(1);
    expect((await ledger.store.readAll({ maxCount: 1000 })).length).toBe(count + 1);
  });
});
