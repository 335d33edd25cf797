import { startLedger, type TestLedger } from '../../../../test/support/ledger';
import { grantBody } from '../fixtures';

/** H7 / E2 (the individual's copy and ESIGN consent) and H8 (a defect discovered later) through their routes. */
describe('copy provided, ESIGN consent and invalidation', () => {
  let ledger: TestLedger;
  let token: string;
  const subject = '/v1/subjects/p-copy';

  beforeAll(async () => {
    ledger = await startLedger();
    token = await ledger.token('acme');
    expect((await ledger.request('POST', `${subject}/authorizations`, { token, body: grantBody() })).status).toBe(201);
  });
  afterAll(() => ledger.close());

  const copy = (method: string, authorizationId = 'auth-1') =>
    ledger.request('POST', `${subject}/authorizations/${authorizationId}/copy-provided`, { token, body: { method } });

  it('E2: given no ESIGN consent, when a copy is sent by email or portal, then 409 esign-consent-required and nothing is appended', async () => {
    const before = await ledger.store.headPosition();
    for (const method of ['email', 'portal']) {
      const refused = await copy(method);
      expect(refused.status).toBe(409);
      expect(refused.body).toEqual(expect.objectContaining({ type: expect.stringMatching(/\/esign-consent-required$/), ruleId: 'E2', rule: '15 U.S.C. 7001(c)(1)' }));
    }
    expect(await ledger.store.headPosition()).toBe(before);
  });

  it('H7: a paper copy needs no ESIGN consent and is recorded', async () => {
    const paper = await copy('paper');
    expect(paper.status).toBe(200);
    expect(paper.body).toEqual({ authorizationId: 'auth-1', method: 'paper', esignConsent: null, position: expect.any(String) });
    const events = await ledger.store.readStream('subject-acme-p-copy');
    expect(events[events.length - 1].type).toBe('consent.authorization-copy-provided.v1');
  });

  it('E2: a consent without demonstrated access is 422 (a string "true" is a 400 shape error)', async () => {
    const refused = await ledger.request('POST', `${subject}/esign-consent`, { token, body: { disclosureVersion: 'esign-2026-01', demonstratedAccess: false } });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'demonstratedAccess' })]);
    const shape = await ledger.request('POST', `${subject}/esign-consent`, { token, body: { disclosureVersion: 'esign-2026-01', demonstratedAccess: 'true' } });
    expect(shape.status).toBe(400);
  });

  it('E2/H7: after the ESIGN consent an emailed copy is recorded naming the consent; after withdrawal it is 409 again', async () => {
    const given = await ledger.request('POST', `${subject}/esign-consent`, { token, body: { disclosureVersion: 'esign-2026-01', demonstratedAccess: true } });
    expect(given.status).toBe(200);
    expect(given.body).toEqual({ esignConsent: 'given', disclosureVersion: 'esign-2026-01', position: expect.any(String) });
    const repeat = await ledger.request('POST', `${subject}/esign-consent`, { token, body: { disclosureVersion: 'esign-2026-01', demonstratedAccess: true } });
    expect(repeat.body.position).toBe(given.body.position);

    ledger.clock.advance(60_000);
    const emailed = await copy('email');
    expect(emailed.status).toBe(200);
    expect(emailed.body.esignConsent).toEqual({ disclosureVersion: 'esign-2026-01', givenAt: '2026-11-23T14:00:00.000Z' });

    ledger.clock.advance(60_000);
    const withdrawn = await ledger.request('DELETE', `${subject}/esign-consent`, { token });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toEqual({ esignConsent: 'withdrawn', disclosureVersion: 'esign-2026-01', position: expect.any(String) });
    ledger.clock.advance(60_000);
    expect((await copy('portal')).status).toBe(409);
    const none = await ledger.request('DELETE', `${subject}/esign-consent`, { token });
    expect(none.body.esignConsent).toBe('none');
  });

  it('H7: a copy of an unknown authorization is 404; an unknown method is 400', async () => {
    expect((await copy('paper', 'no-such-auth')).status).toBe(404);
    expect((await copy('fax')).status).toBe(400);
  });

  it('H8: a defect discovered later invalidates from its discovery on, never before; a repeat answers the first position', async () => {
    const discoveredAt = '2026-11-23T14:02:00Z';
    const invalidated = await ledger.request('POST', `${subject}/authorizations/auth-1/invalidate`, { token, body: { defect: 'element-missing', discoveredAt } });
    expect(invalidated.status).toBe(200);
    expect(invalidated.body).toEqual(expect.objectContaining({ authorizationId: 'auth-1', status: 'invalidated', defect: 'element-missing', effectiveAt: discoveredAt, rule: expect.stringContaining('164.508(b)(2)') }));
    const check = (asOf: string) => ledger.request('POST', '/v1/eligibility/check', {
      token, body: { subjectId: 'p-copy', channel: 'email', purpose: 'marketing', asOf, minPosition: invalidated.body.position },
    });
    expect((await check('2026-11-23T14:01:59Z')).body.decision).toBe('ALLOW');
    const after = await check('2026-11-23T14:02:00Z');
    expect(after.body.decision).toBe('DENY');
    expect(after.body.reasons.map((r: { code: string }) => r.code)).toContain('AUTHORIZATION_INVALIDATED');
    const repeat = await ledger.request('POST', `${subject}/authorizations/auth-1/invalidate`, { token, body: { defect: 'element-missing', discoveredAt } });
    expect(repeat.body.position).toBe(invalidated.body.position);
    expect((await ledger.request('POST', `${subject}/authorizations/auth-1/invalidate`, { token, body: { defect: 'looks-odd' } })).status).toBe(400);
    expect((await ledger.request('POST', `${subject}/authorizations/nope/invalidate`, { token, body: { defect: 'element-missing' } })).status).toBe(404);
    const early = await ledger.request('POST', '/v1/subjects/p-copy-2/authorizations', { token, body: grantBody() });
    expect(early.status).toBe(201);
    const beforeSignature = await ledger.request('POST', '/v1/subjects/p-copy-2/authorizations/auth-1/invalidate', { token, body: { defect: 'element-missing', discoveredAt: '2026-11-23T12:00:00Z' } });
    expect(beforeSignature.status).toBe(422);
    expect(beforeSignature.body.type).toMatch(/\/invalid-command$/);
  });
});
