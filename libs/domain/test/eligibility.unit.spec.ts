import {
  CATEGORIES,
  POLICY_VERSION,
  classify,
  contactKeyOf,
  evaluate,
  settingsAt,
  subjectDecider,
  tenantDecider,
  type CommunicationCategory,
  type Remuneration,
} from '../src';
import { T0, context, contactOf, eventsOf, givenContact, givenTenant, granted, subjectOf, tenantOf } from './support';

const NOW = '2026-12-01T00:00:00Z';
const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code);

describe('H2 — classification of communications (45 CFR 164.501), every row of the table', () => {
  type Row = [CommunicationCategory, Remuneration | boolean | undefined, string, string];
  const rows: Row[] = [
    ['appointment-reminder', undefined, 'treatment', 'none'],
    ['appointment-reminder', 'above-cost', 'treatment', 'none'],
    ['test-results', true, 'treatment', 'none'],
    ['refill-reminder', 'none', 'treatment', 'none'],
    ['refill-reminder', 'cost-related', 'treatment', 'none'],
    ['refill-reminder', 'above-cost', 'marketing', 'authorization'],
    ['refill-reminder', true, 'marketing', 'authorization'],
    ['care-coordination', undefined, 'treatment', 'none'],
    ['care-coordination', 'cost-related', 'marketing', 'authorization'],
    ['treatment-alternatives', false, 'treatment', 'none'],
    ['treatment-alternatives', 'above-cost', 'marketing', 'authorization'],
    ['plan-benefits', 'none', 'operations', 'none'],
    ['plan-benefits', 'cost-related', 'marketing', 'authorization'],
    ['health-education', undefined, 'operations', 'none'],
    ['health-education', true, 'marketing', 'authorization'],
    ['survey', undefined, 'operations', 'none'],
    ['survey', 'cost-related', 'marketing', 'authorization'],
    ['promotion', undefined, 'marketing', 'authorization'],
    ['third-party-product', 'none', 'marketing', 'authorization'],
    ['newsletter', undefined, 'marketing', 'authorization'],
    ['fundraising', undefined, 'fundraising', 'no-opt-out'],
    ['fundraising', 'above-cost', 'fundraising', 'no-opt-out'],
    ['research-recruitment', undefined, 'research', 'authorization'],
    ['research-recruitment', 'above-cost', 'research', 'authorization'],
  ];

  it.each(rows)('%s with remuneration %s is %s and requires %s', (category, thirdPartyRemuneration, purpose, requires) => {
    expect(classify({ category, thirdPartyRemuneration })).toMatchObject({ purpose, requires, category });
  });

  it('covers every category', () => {
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(CATEGORIES));
  });

  it.each([
    ['treatment', 'none', 'TREATMENT_EXEMPT'],
    ['payment', 'none', 'OPERATIONS_EXEMPT'],
    ['operations', 'none', 'OPERATIONS_EXEMPT'],
    ['marketing', 'authorization', undefined],
    ['research', 'authorization', undefined],
    ['fundraising', 'no-opt-out', undefined],
  ] as const)('purpose %s given directly requires %s', (purpose, requires, exemptBasis) => {
    const c = classify({ purpose });
    expect(c).toMatchObject({ purpose, requires });
    expect(c.exemptBasis).toBe(exemptBasis);
  });

  it('a refill reminder at cost rests on REFILL_REMINDER_EXEMPT', () => {
    const d = evaluate(undefined, [], { channel: 'sms', communication: { category: 'refill-reminder', thirdPartyRemuneration: 'cost-related' } }, NOW, NOW);
    expect(d).toMatchObject({ decision: 'ALLOW', purpose: 'treatment', requires: 'none', basis: null });
    expect(d.reasons).toEqual([expect.objectContaining({ code: 'REFILL_REMINDER_EXEMPT', rule: '45 CFR 164.501' })]);
  });
});

describe('H1 — marketing needs an authorization (45 CFR 164.508(a)(3))', () => {
  const state = subjectOf([granted()]);

  it('allows with exactly one basis reason and the authorization as basis', () => {
    const d = evaluate(state, [], { channel: 'email', purpose: 'marketing' }, NOW, NOW);
    expect(d).toMatchObject({
      decision: 'ALLOW',
      purpose: 'marketing',
      requires: 'authorization',
      basis: { authorizationId: 'auth-1', signedAt: T0, expiresAt: '2027-11-23T00:00:00Z' },
      evidence: ['sub-1'],
      asOf: NOW,
      knownAt: NOW,
      policyVersion: POLICY_VERSION,
    });
    expect(d.reasons).toEqual([{ code: 'AUTHORIZED', message: expect.any(String), rule: '45 CFR 164.508(a)(3)', ruleId: 'H1' }]);
  });

  it('denies an unknown subject with NO_AUTHORIZATION and UNKNOWN_SUBJECT', () => {
    const d = evaluate(subjectDecider.initialState({ subjectId: 'p-404' }), [], { channel: 'email', purpose: 'marketing' }, NOW, NOW);
    expect(d).toMatchObject({ decision: 'DENY', basis: null });
    expect(codes(d)).toEqual(['NO_AUTHORIZATION', 'UNKNOWN_SUBJECT']);
  });

  it('does not call a question about an address alone a question about an unknown subject', () => {
    const d = evaluate(undefined, [], { channel: 'email', purpose: 'marketing' }, NOW, NOW);
    expect(codes(d)).toEqual(['NO_AUTHORIZATION']);
  });

  it('denies before the signature and for a subject not yet known at knownAt', () => {
    expect(codes(evaluate(state, [], { channel: 'email', purpose: 'marketing' }, '2026-11-23T13:59:59Z', NOW))).toEqual(['NO_AUTHORIZATION']);
    expect(codes(evaluate(state, [], { channel: 'email', purpose: 'marketing' }, NOW, '2026-11-23T13:00:00Z'))).toEqual([
      'NO_AUTHORIZATION',
      'UNKNOWN_SUBJECT',
    ]);
  });

  it('names an uncovered channel and an uncovered purpose', () => {
    expect(codes(evaluate(state, [], { channel: 'voice', purpose: 'marketing' }, NOW, NOW))).toEqual(['NO_AUTHORIZATION', 'CHANNEL_NOT_COVERED']);
    expect(codes(evaluate(state, [], { channel: 'email', purpose: 'research' }, NOW, NOW))).toEqual(['NO_AUTHORIZATION', 'PURPOSE_NOT_COVERED']);
  });

  it('UNKNOWN_SUBJECT never accompanies an ALLOW: treatment by contact alone is exempt', () => {
    const d = evaluate(undefined, [], { channel: 'email', purpose: 'treatment' }, NOW, NOW);
    expect(d.decision).toBe('ALLOW');
    expect(d.reasons).toEqual([expect.objectContaining({ code: 'TREATMENT_EXEMPT', rule: '45 CFR 164.506(c)' })]);
  });
});

describe('H3 — paid communications need an authorization that states the remuneration', () => {
  const paid = { channel: 'email' as const, communication: { category: 'third-party-product' as const, thirdPartyRemuneration: true } };
  const unpaid = { channel: 'email' as const, communication: { category: 'promotion' as const } };

  it('an authorization without the statement covers unpaid communications only', () => {
    const state = subjectOf([granted({ remuneration: undefined })]);
    expect(evaluate(state, [], unpaid, NOW, NOW).decision).toBe('ALLOW');
    const d = evaluate(state, [], paid, NOW, NOW);
    expect(codes(d)).toEqual(['NO_AUTHORIZATION', 'REMUNERATION_NOT_DISCLOSED']);
    expect(d.reasons[1]).toMatchObject({ rule: '45 CFR 164.508(a)(3)(ii)', ruleId: 'H3' });
  });

  it('an authorization stating it covers paid communications', () => {
    expect(evaluate(subjectOf([granted()]), [], paid, NOW, NOW).decision).toBe('ALLOW');
  });

  it('cost-related remuneration counts for a care-coordination message', () => {
    const state = subjectOf([granted({ remuneration: undefined })]);
    const d = evaluate(state, [], { channel: 'email', communication: { category: 'care-coordination', thirdPartyRemuneration: 'cost-related' } }, NOW, NOW);
    expect(d).toMatchObject({ decision: 'DENY', purpose: 'marketing' });
    expect(codes(d)).toContain('REMUNERATION_NOT_DISCLOSED');
  });
});

describe('C4 — a marketing opt-out never stops treatment; an opt-out of everything does', () => {
  const key = contactKeyOf('jane@example.com');
  const contactOptOut = (purpose: 'marketing' | '*', channel: 'email' | '*') =>
    contactOf(
      givenContact()
        .when({ type: 'OptOutContact', contactType: 'email', contactKey: key, purpose, channel, source: 'one-click', occurredAt: T0 }, context(T0))
        .events(),
    );

  it('a contact marketing opt-out leaves appointment reminders and plan benefits allowed', () => {
    const contact = contactOptOut('marketing', 'email');
    expect(evaluate(undefined, [contact], { channel: 'email', communication: { category: 'appointment-reminder' } }, NOW, NOW).decision).toBe('ALLOW');
    expect(evaluate(undefined, [contact], { channel: 'email', communication: { category: 'plan-benefits' } }, NOW, NOW).decision).toBe('ALLOW');
  });

  it('a contact opt-out of every purpose on email stops treatment on email only', () => {
    const contact = contactOptOut('*', 'email');
    expect(codes(evaluate(undefined, [contact], { channel: 'email', purpose: 'treatment' }, NOW, NOW))).toEqual(['CONTACT_OPTED_OUT']);
  });

  it('a subject opt-out of every purpose stops treatment; of marketing, it does not', () => {
    const pref = (purpose: 'marketing' | '*') =>
      eventsOf(subjectDecider, subjectDecider.initialState(), { type: 'SetPreference', purpose, channel: 'sms', choice: 'opt-out', source: 'portal', effectiveAt: T0 }, context(T0));
    expect(codes(evaluate(subjectOf(pref('*')), [], { channel: 'sms', purpose: 'treatment' }, NOW, NOW))).toEqual(['OPTED_OUT']);
    expect(codes(evaluate(subjectOf(pref('marketing')), [], { channel: 'sms', purpose: 'treatment' }, NOW, NOW))).toEqual(['TREATMENT_EXEMPT']);
  });

  it('any opt-out beats an authorization, and a DENY lists every reason', () => {
    const state = subjectOf([
      granted(),
      ...eventsOf(subjectDecider, subjectDecider.initialState(), { type: 'SetPreference', purpose: 'marketing', channel: 'email', choice: 'opt-out', source: 'email', effectiveAt: T0 }, context(T0)),
    ]);
    const d = evaluate(state, [contactOptOut('marketing', 'email')], { channel: 'email', purpose: 'marketing' }, NOW, NOW);
    expect(d).toMatchObject({ decision: 'DENY', basis: null });
    expect(codes(d)).toEqual(['OPTED_OUT', 'CONTACT_OPTED_OUT']);
  });

  it('a phone number’s suppression does not reach the email channel', () => {
    const phoneKey = contactKeyOf('+15551234567');
    const phone = contactOf(
      givenContact()
        .when({ type: 'OptOutContact', contactType: 'phone', contactKey: phoneKey, purpose: '*', channel: '*', source: 'sms-stop', occurredAt: T0 }, context(T0))
        .events(),
    );
    expect(evaluate(undefined, [phone], { channel: 'email', purpose: 'treatment' }, NOW, NOW).decision).toBe('ALLOW');
    expect(codes(evaluate(undefined, [phone], { channel: 'sms', purpose: 'treatment' }, NOW, NOW))).toEqual(['CONTACT_OPTED_OUT']);
  });
});

describe('H10 — fundraising only under the notice’s statement, and a fundraising opt-out denies fundraising only', () => {
  const settings = (fundraisingStatementInNotice: boolean, effectiveAt: string) =>
    givenTenant().when({ type: 'ChangeTenantSettings', fundraisingStatementInNotice, effectiveAt }, context(effectiveAt)).events();
  const tenant = tenantOf([...settings(true, '2026-06-01T00:00:00Z'), ...settings(false, '2027-01-01T00:00:00Z')]);
  const request = { channel: 'mail' as const, communication: { category: 'fundraising' as const } };

  it('uses the settings in force at asOf', () => {
    const d = evaluate(undefined, [], request, NOW, '2027-02-01T00:00:00Z', tenant);
    expect(d).toMatchObject({ decision: 'ALLOW', requires: 'no-opt-out' });
    expect(d.reasons).toEqual([expect.objectContaining({ code: 'FUNDRAISING_ALLOWED', rule: '45 CFR 164.514(f)' })]);
    expect(codes(evaluate(undefined, [], request, '2027-01-02T00:00:00Z', '2027-02-01T00:00:00Z', tenant))).toEqual(['FUNDRAISING_NOT_IN_NOTICE']);
    expect(codes(evaluate(undefined, [], request, NOW, NOW))).toEqual(['FUNDRAISING_NOT_IN_NOTICE']);
    expect(settingsAt(tenant, '2026-05-01T00:00:00Z', NOW)).toEqual({ timeZone: 'UTC', fundraisingStatementInNotice: false, retentionYears: 6 });
  });

  it('a fundraising opt-out denies fundraising but not treatment', () => {
    const subject = subjectOf(
      eventsOf(subjectDecider, subjectDecider.initialState(), { type: 'SetPreference', purpose: 'fundraising', channel: '*', choice: 'opt-out', source: 'mail', effectiveAt: T0 }, context(T0)),
    );
    const d = evaluate(subject, [], request, NOW, NOW, tenant);
    expect(d.reasons).toEqual([expect.objectContaining({ code: 'OPTED_OUT', rule: '45 CFR 164.514(f)(2)(iv)' })]);
    expect(evaluate(subject, [], { channel: 'mail', purpose: 'treatment' }, NOW, NOW, tenant).decision).toBe('ALLOW');
  });

  it('settings changes replace every setting and refuse a retention below six years', () => {
    givenTenant()
      .when({ type: 'ChangeTenantSettings', timeZone: 'America/New_York' }, context(T0))
      .then([{ type: 'TenantSettingsChanged', data: { timeZone: 'America/New_York', fundraisingStatementInNotice: false, retentionYears: 6, effectiveAt: T0, recordedAt: T0 } }]);
    givenTenant().when({ type: 'ChangeTenantSettings', retentionYears: 3 }).thenError({ code: 'InvalidTenantSettings', field: 'retentionYears' });
    givenTenant().when({ type: 'ChangeTenantSettings', timeZone: 'Mars/Olympus' }).thenError({ code: 'InvalidTenantSettings', field: 'timeZone' });
    expect(tenantDecider.initialState().revision).toBe(-1);
  });
});

describe('P2 — Part 2 records need a Part 2 consent covering the purpose (42 CFR 2.31)', () => {
  it('denies treatment using Part 2 data without a Part 2 consent, allows with one', () => {
    const request = { channel: 'email' as const, purpose: 'treatment' as const, usesPart2Data: true };
    expect(codes(evaluate(undefined, [], request, NOW, NOW))).toEqual(['PART2_CONSENT_REQUIRED']);
    const part2 = subjectOf([granted({ authorizationId: 'p2', formId: 'part2-consent', purposes: ['treatment'], remuneration: undefined })]);
    const d = evaluate(part2, [], request, NOW, NOW);
    expect(d.decision).toBe('ALLOW');
    expect(codes(d)).toEqual(['TREATMENT_EXEMPT']);
  });

  it('lists the Part 2 reason with the layer-1 reasons', () => {
    const d = evaluate(subjectOf([granted()]), [], { channel: 'email', purpose: 'marketing', usesPart2Data: true }, NOW, NOW);
    expect(codes(d)).toEqual(['PART2_CONSENT_REQUIRED']);
  });
});
