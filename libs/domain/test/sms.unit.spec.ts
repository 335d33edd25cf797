import {
  POLICY_VERSIONS,
  SMS_OPT_OUT_KEYWORDS,
  contactKeyOf,
  evaluate,
  openSmsReviews,
  parseSmsKeyword,
  policyVersionAt,
  type ContactEvent,
  type RecordInboundSms,
} from '../src';
import { context, contactOf, givenContact } from './support';

const from = '+15551234567';
const contactKey = contactKeyOf(from);
const RECEIVED = '2026-12-01T10:00:00Z';
const NOW = '2026-12-01T10:00:02Z';
const BEFORE_SWITCH = '2027-01-30T23:59:59Z';
const SWITCH = '2027-01-31T00:00:00Z';

const sms = (body: string, over: Partial<RecordInboundSms> = {}): RecordInboundSms => ({
  type: 'RecordInboundSms',
  from,
  contactKey,
  body,
  receivedAt: RECEIVED,
  ...over,
});
const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code);

/** Each keyword in lower, upper and mixed case, wrapped in spaces and punctuation. */
function variants(keyword: string): string[] {
  const lower = keyword.toLowerCase();
  const mixed = [...lower].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c)).join('');
  return [`  ${lower}!! `, `${keyword}.`, ` "${mixed}" `, `\t${mixed}?!`, `-- ${lower} --`, `(${keyword})\n`];
}

describe('T1 — a reply that is exactly a revocation word revokes (47 CFR 64.1200(a)(10), FCC 24-18)', () => {
  it('T1: "  stop!! " opts out', () => {
    expect(parseSmsKeyword('  stop!! ')).toEqual({ kind: 'opt-out', keyword: 'STOP' });
  });

  const cases = SMS_OPT_OUT_KEYWORDS.flatMap((keyword) => variants(keyword).map((body) => [keyword, body] as const));
  it.each(cases)('T1: %s written as %j opts out', (keyword, body) => {
    expect(parseSmsKeyword(body)).toEqual({ kind: 'opt-out', keyword });
  });

  it.each(['  start ', 'START!', 'Unstop.', ' uNsToP '])('T1: %j opts back in', (body) => {
    expect(parseSmsKeyword(body).kind).toBe('opt-in');
  });

  it.each([
    ['stop by at 3?', 'STOP'],
    ['Please cancel my appointment', 'CANCEL'],
    ['I want to opt out of these', 'OPT OUT'],
    ['the END of the month works', 'END'],
    ['STOP ALL', 'STOP'],
    ['non-stop', 'STOP'],
  ])('T1: %j merely contains %s and goes to review', (body, keyword) => {
    expect(parseSmsKeyword(body)).toEqual({ kind: 'review', keyword });
  });

  it.each(['thanks!', 'see you at 3', 'stopped by yesterday', 'weekend', 'unsubscribed already?', '', '   '])(
    'T1: %j is neither a keyword nor contains one',
    (body) => {
      expect(parseSmsKeyword(body)).toEqual({ kind: 'none' });
    },
  );

  it('T1: given a number, when it texts "  stop!! ", then a contact-level opt-out of marketing texts from its receipt', () => {
    givenContact()
      .when(sms('  stop!! '), context(NOW))
      .then([
        {
          type: 'ContactOptedOut',
          data: {
            contactKey,
            type: 'phone',
            purpose: 'marketing',
            channel: 'sms',
            source: 'sms-stop',
            keyword: 'STOP',
            policyVersion: '2025-04-11',
            effectiveAt: RECEIVED,
            recordedAt: NOW,
          },
        },
      ]);
  });

  it('T1: given a number, when it texts "stop by at 3?", then a review item and no opt-out', () => {
    const events = givenContact().when(sms('stop by at 3?'), context(NOW)).events();
    expect(events).toEqual([
      {
        type: 'SmsReviewRequested',
        data: {
          reviewId: 'id-1',
          contactKey,
          type: 'phone',
          body: 'stop by at 3?',
          keyword: 'STOP',
          inReplyTo: null,
          policyVersion: '2025-04-11',
          effectiveAt: RECEIVED,
          recordedAt: NOW,
        },
      },
    ]);
    const state = contactOf(events);
    expect(openSmsReviews(state).map((r) => r.reviewId)).toEqual(['id-1']);
    expect(evaluate(undefined, [state], { channel: 'sms', purpose: 'treatment' }, NOW, NOW).decision).toBe('ALLOW');
  });

  it('T1: given a number, when it texts something else, then nothing', () => {
    givenContact().when(sms('see you then'), context(NOW)).thenNothing();
  });

  it('T1: refuses a sender that is not E.164 or a key that is not its hash', () => {
    givenContact().when(sms('stop', { from: '5551234567' }), context(NOW)).thenError({ code: 'InvalidCommand', field: 'from' });
    givenContact().when(sms('stop', { contactKey: contactKeyOf('+15550000000') }), context(NOW)).thenError({ code: 'InvalidCommand', field: 'contactKey' });
  });

  it('T1: given a STOP, when START arrives, then the opt-out is lifted from then on (source sms-start)', () => {
    const stopped = givenContact().when(sms('STOP'), context(NOW)).events();
    const later = '2026-12-02T08:00:00Z';
    const started = givenContact(stopped).when(sms('Start', { receivedAt: later }), context(later)).events();
    expect(started).toEqual([
      {
        type: 'ContactOptedIn',
        data: { contactKey, type: 'phone', purpose: 'marketing', channel: 'sms', source: 'sms-start', keyword: 'START', policyVersion: '2025-04-11', effectiveAt: later, recordedAt: later },
      },
    ]);
    const state = contactOf([...stopped, ...started]);
    const request = { channel: 'sms' as const, purpose: 'marketing' as const };
    expect(codes(evaluate(undefined, [state], request, NOW, later))).toContain('CONTACT_OPTED_OUT');
    expect(codes(evaluate(undefined, [state], request, later, later))).not.toContain('CONTACT_OPTED_OUT');
  });
});

describe('T1 — the review queue: a person decides, and the outcome is recorded with what it implies', () => {
  const review = givenContact().when(sms('stop by at 3?', { inReplyTo: { purpose: 'treatment' } }), context(NOW)).events();
  const resolvedAt = '2026-12-01T15:00:00Z';

  it('T1: given a review item, when resolved as opt-out, then the resolution and an opt-out effective at the text’s receipt', () => {
    givenContact(review)
      .when({ type: 'ResolveSmsReview', reviewId: 'id-1', outcome: 'opt-out', resolvedAt }, context(resolvedAt))
      .then([
        { type: 'SmsReviewResolved', data: { reviewId: 'id-1', contactKey, type: 'phone', outcome: 'opt-out', effectiveAt: resolvedAt, recordedAt: resolvedAt } },
        {
          type: 'ContactOptedOut',
          data: {
            contactKey,
            type: 'phone',
            purpose: 'treatment',
            channel: 'sms',
            source: 'sms-stop',
            keyword: 'STOP',
            reviewId: 'id-1',
            policyVersion: '2025-04-11',
            effectiveAt: RECEIVED,
            recordedAt: resolvedAt,
          },
        },
      ]);
  });

  it('T1: resolved as none, only the resolution is recorded and the queue empties', () => {
    const resolved = givenContact(review).when({ type: 'ResolveSmsReview', reviewId: 'id-1', outcome: 'none', resolvedAt }, context(resolvedAt)).events();
    expect(resolved.map((e) => e.type)).toEqual(['SmsReviewResolved']);
    expect(openSmsReviews(contactOf([...review, ...resolved]))).toEqual([]);
  });

  it('T1: resolving again with the same outcome appends nothing; with another is refused; an unknown item is refused', () => {
    const resolved = givenContact(review).when({ type: 'ResolveSmsReview', reviewId: 'id-1', outcome: 'opt-in', resolvedAt }, context(resolvedAt)).events();
    givenContact([...review, ...resolved]).when({ type: 'ResolveSmsReview', reviewId: 'id-1', outcome: 'opt-in' }, context(resolvedAt)).thenNothing();
    givenContact([...review, ...resolved])
      .when({ type: 'ResolveSmsReview', reviewId: 'id-1', outcome: 'opt-out' }, context(resolvedAt))
      .thenError({ code: 'SmsReviewAlreadyResolved', outcome: 'opt-in' });
    givenContact(review).when({ type: 'ResolveSmsReview', reviewId: 'nope', outcome: 'none' }, context(resolvedAt)).thenError({ code: 'SmsReviewNotFound' });
  });
});

describe('T3 — the scope of a STOP follows the dated policy version (revoke-all from 2027-01-31)', () => {
  it('T3: the policy versions are ordered and switch at 2027-01-31T00:00:00Z', () => {
    expect(POLICY_VERSIONS.map((v) => v.version)).toEqual(['2025-04-11', '2027-01-31']);
    expect(policyVersionAt(BEFORE_SWITCH)).toMatchObject({ version: '2025-04-11', smsStopScope: 'replied-to' });
    expect(policyVersionAt(SWITCH)).toMatchObject({ version: '2027-01-31', smsStopScope: 'revoke-all' });
    expect(policyVersionAt('2020-01-01T00:00:00Z').version).toBe('2025-04-11');
  });

  it('T3: a STOP received the second before the switch stops only the kind of message it replied to, on SMS', () => {
    givenContact()
      .when(sms('STOP', { receivedAt: BEFORE_SWITCH, inReplyTo: { purpose: 'treatment' } }), context(SWITCH))
      .then([
        {
          type: 'ContactOptedOut',
          data: { contactKey, type: 'phone', purpose: 'treatment', channel: 'sms', source: 'sms-stop', keyword: 'STOP', policyVersion: '2025-04-11', effectiveAt: BEFORE_SWITCH, recordedAt: SWITCH },
        },
      ]);
  });

  it('T3: a STOP received at the switch (decided by its receivedAt, not its recording) stops every purpose on SMS and voice', () => {
    const events = givenContact().when(sms('stop', { receivedAt: SWITCH, inReplyTo: { purpose: 'treatment' } }), context('2027-02-03T00:00:00Z')).events();
    expect(events.map((e) => (e as ContactEvent & { data: { purpose: string; channel: string } }).data)).toEqual([
      expect.objectContaining({ purpose: '*', channel: 'sms', source: 'sms-stop', policyVersion: '2027-01-31', effectiveAt: SWITCH }),
      expect.objectContaining({ purpose: '*', channel: 'voice', source: 'sms-stop', policyVersion: '2027-01-31', effectiveAt: SWITCH }),
    ]);
  });

  it('T3: before the switch a marketing STOP leaves treatment texts and calls; after it nothing non-emergency passes', () => {
    const early = contactOf(givenContact().when(sms('STOP', { receivedAt: BEFORE_SWITCH }), context(SWITCH)).events());
    const late = contactOf(givenContact().when(sms('STOP', { receivedAt: SWITCH }), context(SWITCH)).events());
    const at = '2027-02-01T00:00:00Z';
    expect(codes(evaluate(undefined, [early], { channel: 'sms', purpose: 'marketing' }, at, at))).toEqual(['NO_AUTHORIZATION', 'CONTACT_OPTED_OUT']);
    expect(evaluate(undefined, [early], { channel: 'sms', purpose: 'treatment' }, at, at).decision).toBe('ALLOW');
    expect(evaluate(undefined, [early], { channel: 'voice', purpose: 'treatment' }, at, at).decision).toBe('ALLOW');
    expect(codes(evaluate(undefined, [late], { channel: 'sms', purpose: 'treatment' }, at, at))).toEqual(['CONTACT_OPTED_OUT']);
    expect(codes(evaluate(undefined, [late], { channel: 'voice', purpose: 'operations' }, at, at))).toEqual(['CONTACT_OPTED_OUT']);
  });

  it('T3: every decision records the policy version in force at its asOf', () => {
    const request = { channel: 'sms' as const, purpose: 'treatment' as const };
    expect(evaluate(undefined, [], request, BEFORE_SWITCH, SWITCH).policyVersion).toBe('2025-04-11');
    expect(evaluate(undefined, [], request, SWITCH, SWITCH).policyVersion).toBe('2027-01-31');
  });

  it('T3: a START after the switch lifts a STOP from before it, whatever scope that STOP had', () => {
    const stopped = givenContact().when(sms('STOP', { receivedAt: '2027-01-01T00:00:00Z' }), context('2027-01-01T00:00:00Z')).events();
    const startAt = '2027-02-01T00:00:00Z';
    const started = givenContact(stopped).when(sms('UNSTOP', { receivedAt: startAt }), context(startAt)).events();
    expect(started.map((e) => (e as ContactEvent & { data: { purpose: string; channel: string } }).data)).toEqual([
      expect.objectContaining({ purpose: '*', channel: 'sms', source: 'sms-start' }),
      expect.objectContaining({ purpose: '*', channel: 'voice', source: 'sms-start' }),
      expect.objectContaining({ purpose: 'marketing', channel: 'sms', source: 'sms-start' }),
    ]);
    const state = contactOf([...stopped, ...started]);
    expect(evaluate(undefined, [state], { channel: 'sms', purpose: 'treatment' }, startAt, startAt).decision).toBe('ALLOW');
    expect(codes(evaluate(undefined, [state], { channel: 'sms', purpose: 'marketing' }, startAt, startAt))).not.toContain('CONTACT_OPTED_OUT');
  });
});
