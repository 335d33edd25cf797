import { startLedger, type TestLedger } from '../../../../test/support/ledger';
import { grantBody } from '../fixtures';

const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);

/** compliance.md "Two kinds of time", H13 and tenant settings as events, through POST /v1/eligibility/check. */
describe('bi-temporal answers', () => {
  let ledger: TestLedger;
  let token: string;

  beforeAll(async () => {
    ledger = await startLedger();
    token = await ledger.token('acme');
  });
  afterAll(() => ledger.close());

  const check = async (body: Record<string, unknown>) => {
    const response = await ledger.request('POST', '/v1/eligibility/check', { token, body: { channel: 'email', purpose: 'marketing', ...body } });
    expect(response.status).toBe(200);
    return response.body;
  };

  describe('H13: a date-only expiry ends at the end of that day in the tenant time zone in force at intake', () => {
    let position: string;

    beforeAll(async () => {
      const settings = await ledger.request('PUT', '/v1/tenant/settings', { token, body: { timeZone: 'America/New_York', fundraisingStatementInNotice: false, retentionYears: 6 } });
      expect(settings.status).toBe(200);
      ledger.clock.advance(1000);
      for (const [subjectId, expiresOn] of [['p-summer', '2027-06-30'], ['p-winter', '2027-01-15']]) {
        const grant = await ledger.request('POST', `/v1/subjects/${subjectId}/authorizations`, { token, body: grantBody({ expiresAt: undefined, expiresOn }) });
        expect(grant.status).toBe(201);
        position = grant.body.position;
      }
    });

    it.each([
      ['summer (EDT)', '2027-06-30', '2027-07-01T03:59:59Z', '2027-07-01T04:00:00Z', 'p-summer'],
      ['winter (EST)', '2027-01-15', '2027-01-16T04:59:59Z', '2027-01-16T05:00:00Z', 'p-winter'],
    ])('H13: in %s, expiresOn %s in America/New_York is ALLOW at %s and DENY AUTHORIZATION_EXPIRED at %s', async (_season, _date, allowed, denied, subjectId) => {
      const before = await check({ subjectId, asOf: allowed, minPosition: position });
      expect(before.decision).toBe('ALLOW');
      const after = await check({ subjectId, asOf: denied, minPosition: position });
      expect(after.decision).toBe('DENY');
      expect(codes(after)).toContain('AUTHORIZATION_EXPIRED');
      // A later change of zone does not move an expiry fixed at intake.
      const view = await ledger.request('GET', `/v1/subjects/${subjectId}`, { token });
      expect(view.body.authorizations[0].expiresAt).toBe(denied);
    });
  });

  it('H10: decisions use the tenant settings in force at asOf (the fundraising statement from its effectiveAt on)', async () => {
    const changed = await ledger.request('PUT', '/v1/tenant/settings', {
      token, body: { timeZone: 'America/New_York', fundraisingStatementInNotice: true, retentionYears: 6, effectiveAt: '2026-11-23T12:00:00Z' },
    });
    expect(changed.status).toBe(200);
    const before = await check({ subjectId: 'p-summer', purpose: 'fundraising', channel: 'mail', asOf: '2026-11-23T11:59:59Z' });
    expect(before.decision).toBe('DENY');
    expect(codes(before)).toContain('FUNDRAISING_NOT_IN_NOTICE');
    const after = await check({ subjectId: 'p-summer', purpose: 'fundraising', channel: 'mail', asOf: '2026-11-23T12:00:00Z' });
    expect(after.decision).toBe('ALLOW');
    expect(codes(after)).toEqual(['FUNDRAISING_ALLOWED']);
  });

  describe('a revocation received on the 24th and recorded on the 25th', () => {
    const receivedAt = '2026-11-24T09:00:00Z';
    let checkInWindow: { decision: string; position: string };

    beforeAll(async () => {
      ledger.clock.set('2026-11-23T15:00:00Z');
      const grant = await ledger.request('POST', '/v1/subjects/p-late/authorizations', { token, body: grantBody() });
      expect(grant.status).toBe(201);
      const linked = await ledger.request('POST', '/v1/subjects/p-late/contacts', { token, body: { type: 'email', value: 'late@example.com' } });
      expect(linked.status).toBe(200);
      // A send checked inside the window: the revocation had been received, the ledger did not know it yet.
      ledger.clock.set('2026-11-24T12:00:00Z');
      checkInWindow = await check({ subjectId: 'p-late', minPosition: linked.body.position });
      expect(checkInWindow.decision).toBe('ALLOW');
      ledger.clock.set('2026-11-25T10:00:00Z');
      const revoked = await ledger.request('POST', '/v1/subjects/p-late/authorizations/auth-1/revoke', { token, body: { receivedVia: 'mail', receivedAt } });
      expect(revoked.status).toBe(200);
    });

    it('H9: never retroactive: asOf before receivedAt stays ALLOW with today\u2019s knowledge', async () => {
      expect((await check({ subjectId: 'p-late', asOf: '2026-11-24T08:59:59Z' })).decision).toBe('ALLOW');
    });

    it('knownAt before the recording answers what the ledger said then: ALLOW at asOf after receipt', async () => {
      const then = await check({ subjectId: 'p-late', asOf: '2026-11-24T12:00:00Z', knownAt: '2026-11-25T09:59:59Z' });
      expect(then.decision).toBe('ALLOW');
      expect(then.knownAt).toBe('2026-11-25T09:59:59.000Z');
    });

    it('with today\u2019s knowledge the same moment is DENY AUTHORIZATION_REVOKED', async () => {
      const now = await check({ subjectId: 'p-late', asOf: '2026-11-24T12:00:00Z' });
      expect(now.decision).toBe('DENY');
      expect(codes(now)).toContain('AUTHORIZATION_REVOKED');
      const knownAtRecording = await check({ subjectId: 'p-late', asOf: '2026-11-24T12:00:00Z', knownAt: '2026-11-25T10:00:00Z' });
      expect(knownAtRecording.decision).toBe('DENY');
    });

    it('history with knownAt before the recording, or asOf before the receipt, leaves the revocation out', async () => {
      const types = async (query: string) => ((await ledger.request('GET', `/v1/subjects/p-late/history?${query}`, { token })).body.events as { type: string }[]).map((e) => e.type);
      expect(await types('knownAt=2026-11-25T09:59:59Z')).not.toContain('AuthorizationRevoked');
      expect(await types('asOf=2026-11-24T08:59:59Z')).not.toContain('AuthorizationRevoked');
      expect(await types('asOf=2026-11-24T09:00:00Z')).toContain('AuthorizationRevoked');
    });

    it('the late-knowledge report lists the window, the pairs that would differ, and the check made inside it', async () => {
      const report = await ledger.request('GET', '/v1/audit/late-knowledge?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z', { token });
      expect(report.status).toBe(200);
      const window = report.body.windows.find((w: { subjectId: string; type: string }) => w.subjectId === 'p-late' && w.type === 'AuthorizationRevoked');
      expect(window).toEqual(expect.objectContaining({
        subjectId: 'p-late', contactKey: null, effectiveAt: receivedAt, recordedAt: '2026-11-25T10:00:00.000Z',
        wouldDiffer: expect.arrayContaining([
          { purpose: 'marketing', channel: 'email', then: 'ALLOW', now: 'DENY', reasons: expect.arrayContaining(['AUTHORIZATION_REVOKED']) },
          expect.objectContaining({ purpose: 'marketing', channel: 'sms' }),
        ]),
        decisions: [expect.objectContaining({ at: '2026-11-24T12:00:00.000Z', action: 'eligibility-check' })],
      }));
      // A window outside the period asked for is not listed; nor are facts recorded when they took effect.
      const other = await ledger.request('GET', '/v1/audit/late-knowledge?from=2026-11-26T00:00:00Z&to=2026-12-01T00:00:00Z', { token });
      expect(other.body.windows).toEqual([]);
      expect(report.body.windows.every((w: { type: string }) => w.type !== 'AuthorizationGranted')).toBe(true);
    });

    it('a late contact opt-out opens a window for every subject linked to the address', async () => {
      ledger.clock.set('2026-11-26T10:00:00Z');
      const optOut = await ledger.request('POST', '/v1/contacts/opt-out', {
        token, body: { type: 'email', value: 'late@example.com', purpose: 'treatment', channel: 'email', source: 'support', occurredAt: '2026-11-25T18:00:00Z' },
      });
      expect(optOut.status).toBe(202);
      const report = await ledger.request('GET', '/v1/audit/late-knowledge?from=2026-11-25T00:00:00Z', { token });
      expect(report.body.to).toBe('2026-11-26T10:00:00.000Z');
      expect(report.body.windows).toContainEqual(expect.objectContaining({
        subjectId: 'p-late', contactKey: optOut.body.contactKey, type: 'ContactOptedOut', effectiveAt: '2026-11-25T18:00:00Z',
        wouldDiffer: [expect.objectContaining({ purpose: 'treatment', channel: 'email', then: 'ALLOW', now: 'DENY' })],
      }));
    });

    it('the report needs audit:read and refuses from after to', async () => {
      expect((await ledger.request('GET', '/v1/audit/late-knowledge', { token: await ledger.token('acme', ['consent:read']) })).status).toBe(403);
      expect((await ledger.request('GET', '/v1/audit/late-knowledge?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z', { token })).status).toBe(400);
      expect((await ledger.request('GET', '/v1/audit/late-knowledge?from=yesterday', { token })).status).toBe(400);
    });
  });
});
