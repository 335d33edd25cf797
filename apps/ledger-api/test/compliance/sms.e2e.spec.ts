import { SMS_OPT_OUT_KEYWORDS } from '@app/domain';
import { startLedger, type TestLedger } from '../../../../test/support/ledger';

/** compliance.md T1-T3 through POST /v1/inbound/sms, the review queue and the eligibility check. */
describe('inbound SMS (T1-T3)', () => {
  let ledger: TestLedger;
  let token: string;
  let phoneSeq = 0;
  const nextPhone = () => `+1555${String(1000000 + phoneSeq++).slice(1)}`;

  beforeAll(async () => {
    ledger = await startLedger();
    token = await ledger.token('acme');
  });
  afterAll(() => ledger.close());

  const sms = (body: Record<string, unknown>) => ledger.request('POST', '/v1/inbound/sms', { token, body });
  const check = async (phone: string, purpose: string, channel: string, minPosition: string, extra: Record<string, unknown> = {}) => {
    const response = await ledger.request('POST', '/v1/eligibility/check', {
      token, body: { contact: { type: 'phone', value: phone }, channel, purpose, minPosition, ...extra },
    });
    expect(response.status).toBe(200);
    return response.body as { decision: string; reasons: { code: string }[]; policyVersion: string };
  };
  const codes = (decision: { reasons: { code: string }[] }) => decision.reasons.map((r) => r.code);

  const variants = (keyword: string) => [
    `  ${keyword.toLowerCase()}!! `,
    `"${keyword[0]}${keyword.slice(1).toLowerCase()}."`,
    `-- ${keyword.toUpperCase()} --`,
    `\t${[...keyword].map((c, i) => (i % 2 ? c.toLowerCase() : c.toUpperCase())).join('')}?!\n`,
  ];

  it.each(SMS_OPT_OUT_KEYWORDS.flatMap((keyword) => variants(keyword).map((body) => [keyword, body])))(
    'T1: %s written as %j opts the number out through the route',
    async (keyword, body) => {
      const from = nextPhone();
      const response = await sms({ from, body, inReplyTo: { purpose: 'marketing' } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(expect.objectContaining({
        action: 'opt-out', keyword, policyVersion: '2025-04-11', scope: [{ purpose: 'marketing', channel: 'sms' }], position: expect.any(String),
      }));
      const decision = await check(from, 'marketing', 'sms', response.body.position);
      expect(decision.decision).toBe('DENY');
      expect(codes(decision)).toContain('CONTACT_OPTED_OUT');
    },
  );

  it('T1: given a number, when it texts "stop by at 3?", then a review item and no opt-out; resolving it records the outcome', async () => {
    const from = nextPhone();
    const received = await sms({ from, body: 'stop by at 3?', receivedAt: '2026-11-23T13:30:00Z' });
    expect(received.status).toBe(200);
    expect(received.body).toEqual(expect.objectContaining({ action: 'review', keyword: 'STOP', reviewId: expect.any(String), policyVersion: '2025-04-11', scope: [] }));
    const { reviewId, contactKey, position } = received.body;
    expect(codes(await check(from, 'marketing', 'sms', position))).not.toContain('CONTACT_OPTED_OUT');

    const queue = await ledger.request('GET', `/v1/review-queue?minPosition=${position}`, { token });
    expect(queue.status).toBe(200);
    expect(queue.body.items).toContainEqual(expect.objectContaining({
      reviewId, contactKey, keyword: 'STOP', body: 'stop by at 3?', receivedAt: '2026-11-23T13:30:00Z', policyVersion: '2025-04-11', position,
    }));

    const resolved = await ledger.request('POST', `/v1/review-queue/${reviewId}/resolve`, { token, body: { outcome: 'opt-out' } });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toEqual({ reviewId, contactKey, outcome: 'opt-out', scope: [{ purpose: 'marketing', channel: 'sms' }], position: expect.any(String) });
    const decision = await check(from, 'marketing', 'sms', resolved.body.position);
    expect(codes(decision)).toContain('CONTACT_OPTED_OUT');
    // The opt-out takes effect when the text was received, not when the reviewer decided.
    const before = await check(from, 'marketing', 'sms', resolved.body.position, { asOf: '2026-11-23T13:29:59Z' });
    expect(codes(before)).not.toContain('CONTACT_OPTED_OUT');
    const at = await check(from, 'marketing', 'sms', resolved.body.position, { asOf: '2026-11-23T13:30:00Z' });
    expect(codes(at)).toContain('CONTACT_OPTED_OUT');

    const after = await ledger.request('GET', `/v1/review-queue?minPosition=${resolved.body.position}`, { token });
    expect(after.body.items.map((i: { reviewId: string }) => i.reviewId)).not.toContain(reviewId);
    const again = await ledger.request('POST', `/v1/review-queue/${reviewId}/resolve`, { token, body: { outcome: 'opt-out' } });
    expect(again.body.position).toBe(resolved.body.position);
    const other = await ledger.request('POST', `/v1/review-queue/${reviewId}/resolve`, { token, body: { outcome: 'opt-in' } });
    expect(other.status).toBe(409);
    expect(other.body.type).toMatch(/\/review-already-resolved$/);
  });

  it('T1: a review item resolved as none records the resolution and opts nothing out; an unknown item is 404', async () => {
    const from = nextPhone();
    const received = await sms({ from, body: 'Please cancel my appointment' });
    expect(received.body.action).toBe('review');
    const resolved = await ledger.request('POST', `/v1/review-queue/${received.body.reviewId}/resolve`, { token, body: { outcome: 'none' } });
    expect(resolved.status).toBe(200);
    expect(resolved.body.scope).toEqual([]);
    const events = await ledger.store.readStream(`contact-acme-${received.body.contactKey}`);
    expect(events.map((e) => e.type)).toEqual(['consent.sms-review-requested.v1', 'consent.sms-review-resolved.v1']);
    expect(codes(await check(from, 'marketing', 'sms', resolved.body.position))).not.toContain('CONTACT_OPTED_OUT');
    const unknown = await ledger.request('POST', '/v1/review-queue/no-such-review/resolve', { token, body: { outcome: 'opt-out' } });
    expect(unknown.status).toBe(404);
  });

  it('T1: START and UNSTOP opt back in; a text with no keyword is none and appends nothing', async () => {
    for (const keyword of ['START', 'unstop.']) {
      const from = nextPhone();
      const stop = await sms({ from, body: 'STOP' });
      expect(codes(await check(from, 'marketing', 'sms', stop.body.position))).toContain('CONTACT_OPTED_OUT');
      ledger.clock.advance(1000);
      const start = await sms({ from, body: keyword });
      expect(start.body).toEqual(expect.objectContaining({ action: 'opt-in', scope: expect.arrayContaining([{ purpose: 'marketing', channel: 'sms' }]) }));
      expect(codes(await check(from, 'marketing', 'sms', start.body.position))).not.toContain('CONTACT_OPTED_OUT');
    }
    const from = nextPhone();
    const before = await ledger.store.headPosition();
    const none = await sms({ from, body: 'Thanks, see you Tuesday' });
    expect(none.status).toBe(200);
    expect(none.body).toEqual(expect.objectContaining({ action: 'none', keyword: null, reviewId: null, scope: [] }));
    expect(await ledger.store.headPosition()).toBe(before);
  });

  it('refuses a sending number that is not E.164 with 400, appending nothing', async () => {
    const before = await ledger.store.headPosition();
    const response = await sms({ from: '555-1234', body: 'STOP' });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'from' })]);
    expect(JSON.stringify(response.body)).not.toContain('555-1234');
    expect(await ledger.store.headPosition()).toBe(before);
  });

  describe('T3: the scope follows the date of the STOP', () => {
    beforeAll(() => ledger.clock.set('2027-02-01T12:00:00Z'));

    it('T3: a STOP received the second before 2027-01-31 stops only marketing texts; treatment texts and calls still go', async () => {
      const from = nextPhone();
      const stop = await sms({ from, body: 'STOP', receivedAt: '2027-01-30T23:59:59Z' });
      expect(stop.body).toEqual(expect.objectContaining({ action: 'opt-out', policyVersion: '2025-04-11', scope: [{ purpose: 'marketing', channel: 'sms' }] }));
      expect(codes(await check(from, 'marketing', 'sms', stop.body.position))).toContain('CONTACT_OPTED_OUT');
      expect((await check(from, 'treatment', 'sms', stop.body.position)).decision).toBe('ALLOW');
      expect((await check(from, 'treatment', 'voice', stop.body.position)).decision).toBe('ALLOW');
    });

    it('T3: a STOP received at 2027-01-31T00:00:00Z revokes all: every purpose on SMS and voice, whatever it replied to', async () => {
      const from = nextPhone();
      const stop = await sms({ from, body: 'Stop', receivedAt: '2027-01-31T00:00:00Z', inReplyTo: { purpose: 'treatment' } });
      expect(stop.body.policyVersion).toBe('2027-01-31');
      expect(stop.body.scope).toEqual(expect.arrayContaining([{ purpose: '*', channel: 'sms' }, { purpose: '*', channel: 'voice' }]));
      for (const [purpose, channel] of [['treatment', 'sms'], ['treatment', 'voice'], ['marketing', 'sms'], ['operations', 'voice']]) {
        const decision = await check(from, purpose, channel, stop.body.position);
        expect(decision.decision).toBe('DENY');
        expect(codes(decision)).toContain('CONTACT_OPTED_OUT');
        expect(decision.policyVersion).toBe('2027-01-31');
      }
    });

    it('T3: before the switch, a STOP in reply to a healthcare reminder stops those reminders, not marketing', async () => {
      const from = nextPhone();
      const stop = await sms({ from, body: 'END', receivedAt: '2027-01-15T10:00:00Z', inReplyTo: { purpose: 'treatment' } });
      expect(stop.body.scope).toEqual([{ purpose: 'treatment', channel: 'sms' }]);
      expect(codes(await check(from, 'treatment', 'sms', stop.body.position))).toContain('CONTACT_OPTED_OUT');
      expect(codes(await check(from, 'marketing', 'sms', stop.body.position))).not.toContain('CONTACT_OPTED_OUT');
    });
  });
});
