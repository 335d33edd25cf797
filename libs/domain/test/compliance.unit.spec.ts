/**
 * One named given / when / then test (at least) per rule id of compliance.md, id first. The README's table maps
 * each id to the code that enforces it and to these names.
 */
import {
  AUTHORIZATION_DEFECTS,
  DEFECT_RULES,
  PART2_REDISCLOSURE_NOTICE,
  PREFERENCE_SOURCES,
  UNSUBSCRIBE_MECHANISM_MIN_DAYS,
  UNSUBSCRIBE_TOKEN_MIN_LIFETIME_DAYS,
  authorizationStatusAt,
  classify,
  contactKeyOf,
  evaluate,
  findAuthorization,
  fromWireEvent,
  isUnderAuthorization,
  retentionHold,
  subjectDecider,
  toWireEvent,
  unsubscribeTokenExpiresAt,
  unsubscribeTokenValid,
  type EligibilityRequest,
  type GrantAuthorization,
  type MissingElement,
  type SetPreference,
  type SubjectEvent,
  type TenantSettings,
} from '../src';
import { T0, context, contactOf, eventsOf, givenContact, givenSubject, grantCommand, granted, subjectOf, tenantOf, givenTenant } from './support';

const NOW = '2026-12-01T00:00:00Z';
const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code);
const marketingEmail: EligibilityRequest = { channel: 'email', purpose: 'marketing' };
const signature = grantCommand().signature!;
const settings = (over: Partial<TenantSettings> = {}): TenantSettings => ({
  timeZone: 'UTC',
  fundraisingStatementInNotice: false,
  retentionYears: 6,
  ...over,
});
const missing = (error: unknown) => (error as { missingElements: MissingElement[] }).missingElements;
const preference = (over: Partial<SetPreference>): SetPreference => ({
  type: 'SetPreference',
  purpose: 'fundraising',
  channel: '*',
  choice: 'opt-out',
  source: 'mail',
  effectiveAt: T0,
  ...over,
});

/** A Part 2 consent for treatment, payment and operations that never expires. */
const part2Tpo = (over: Partial<GrantAuthorization> = {}): GrantAuthorization =>
  grantCommand({
    authorizationId: 'p2',
    formId: 'part2-consent',
    purposes: ['treatment', 'payment', 'operations'],
    remuneration: undefined,
    expiresAt: null,
    part2: { tpo: true, expiry: 'none' },
    ...over,
  });

describe('H1 — marketing needs an authorization; declared exceptions are explicit bases', () => {
  const faceToFace: EligibilityRequest = { channel: 'mail', communication: { category: 'promotion', exception: 'face-to-face' } };

  it('H1: given no authorization, when a marketing email is checked, then DENY NO_AUTHORIZATION citing 164.508(a)(3)', () => {
    const d = evaluate(subjectOf([granted({ purposes: ['research'] })]), [], marketingEmail, NOW, NOW);
    expect(d.reasons[0]).toMatchObject({ code: 'NO_AUTHORIZATION', rule: '45 CFR 164.508(a)(3)', ruleId: 'H1' });
  });

  it('H1: a declared face-to-face communication is ALLOW on MARKETING_EXCEPTION citing 164.508(a)(3)(i)(A)', () => {
    const d = evaluate(undefined, [], faceToFace, NOW, NOW);
    expect(d).toMatchObject({ decision: 'ALLOW', purpose: 'marketing', basis: null, underAuthorization: false });
    expect(d.reasons).toEqual([{ code: 'MARKETING_EXCEPTION', message: expect.any(String), rule: '45 CFR 164.508(a)(3)(i)(A)', ruleId: 'H1' }]);
  });

  it('H1: a promotional gift of nominal value cites 164.508(a)(3)(i)(B), paid or not', () => {
    const d = evaluate(undefined, [], { channel: 'mail', communication: { category: 'third-party-product', thirdPartyRemuneration: true, exception: 'promotional-gift-nominal-value' } }, NOW, NOW);
    expect(d.reasons).toEqual([expect.objectContaining({ code: 'MARKETING_EXCEPTION', rule: '45 CFR 164.508(a)(3)(i)(B)' })]);
  });

  it('H1: an exception never bypasses an opt-out', () => {
    const optedOut = subjectOf(eventsOf(subjectDecider, subjectDecider.initialState(), preference({ purpose: 'marketing', channel: 'mail' }), context(T0)));
    expect(codes(evaluate(optedOut, [], faceToFace, NOW, NOW))).toEqual(['OPTED_OUT']);
  });

  it('H1: an exception is for marketing only: research still needs an authorization', () => {
    const d = evaluate(undefined, [], { channel: 'mail', communication: { category: 'research-recruitment', exception: 'face-to-face' } }, NOW, NOW);
    expect(d.decision).toBe('DENY');
    expect(classify({ category: 'research-recruitment', exception: 'face-to-face' }).marketingException).toBeUndefined();
  });
});

describe('H2 — what is not marketing (45 CFR 164.501), with the prescribed-drug flags', () => {
  it('H2: a refill reminder at cost is treatment on REFILL_REMINDER_EXEMPT; above cost it is marketing', () => {
    expect(classify({ category: 'refill-reminder', thirdPartyRemuneration: 'cost-related' })).toMatchObject({ purpose: 'treatment', exemptBasis: 'REFILL_REMINDER_EXEMPT' });
    expect(classify({ category: 'refill-reminder', thirdPartyRemuneration: 'above-cost' })).toMatchObject({ purpose: 'marketing', requires: 'authorization' });
  });

  it('H2: a message about the delivery system of a prescribed drug is treated as a refill reminder', () => {
    expect(classify({ category: 'health-education', deliverySystem: true, thirdPartyRemuneration: 'cost-related' })).toEqual({
      purpose: 'treatment',
      requires: 'none',
      category: 'health-education',
      treatedAs: 'refill-reminder',
      exemptBasis: 'REFILL_REMINDER_EXEMPT',
      remuneration: 'cost-related',
    });
    expect(classify({ category: 'health-education', deliverySystem: true, thirdPartyRemuneration: 'above-cost' }).purpose).toBe('marketing');
  });

  it('H2: a care-coordination message about a currently prescribed drug, paid at cost, is not marketing', () => {
    const d = evaluate(undefined, [], { channel: 'sms', communication: { category: 'care-coordination', aboutCurrentlyPrescribedDrug: true, thirdPartyRemuneration: 'cost-related' } }, NOW, NOW);
    expect(d).toMatchObject({ decision: 'ALLOW', purpose: 'treatment' });
    expect(codes(d)).toEqual(['REFILL_REMINDER_EXEMPT']);
  });

  it('H2: a refill reminder encouraging a switch to another drug is treatment-alternatives: marketing with any remuneration', () => {
    expect(classify({ category: 'refill-reminder', encouragesSwitch: true, thirdPartyRemuneration: 'cost-related' })).toMatchObject({
      purpose: 'marketing',
      category: 'refill-reminder',
      treatedAs: 'treatment-alternatives',
    });
    expect(classify({ category: 'refill-reminder', aboutCurrentlyPrescribedDrug: true, encouragesSwitch: true })).toMatchObject({
      purpose: 'treatment',
      exemptBasis: 'TREATMENT_EXEMPT',
      treatedAs: 'treatment-alternatives',
    });
  });

  it('H2: promotions stay marketing whatever the flags; without flags classify answers as before', () => {
    expect(classify({ category: 'promotion', aboutCurrentlyPrescribedDrug: true }).purpose).toBe('marketing');
    expect(classify({ category: 'care-coordination' })).toEqual({ purpose: 'treatment', requires: 'none', category: 'care-coordination', exemptBasis: 'TREATMENT_EXEMPT', remuneration: 'none' });
  });
});

describe('H3 — paid communications need the remuneration statement', () => {
  it('H3: given an authorization without the statement, when a paid message is checked, then REMUNERATION_NOT_DISCLOSED; unpaid is ALLOW', () => {
    const state = subjectOf([granted({ remuneration: undefined })]);
    const paid = evaluate(state, [], { channel: 'email', communication: { category: 'third-party-product', thirdPartyRemuneration: 'cost-related' } }, NOW, NOW);
    expect(paid.reasons[1]).toMatchObject({ code: 'REMUNERATION_NOT_DISCLOSED', rule: '45 CFR 164.508(a)(3)(ii)', ruleId: 'H3' });
    expect(evaluate(state, [], marketingEmail, NOW, NOW).decision).toBe('ALLOW');
  });
});

describe('H4 / H5 / H6 — completeness of an authorization at intake', () => {
  it('H4: given no history, when a grant lacks the recipients, then DefectiveAuthorization naming recipients, 164.508(c)(1)(iii), H4', () => {
    const error = givenSubject().when(grantCommand({ recipients: [] }), context(T0)).thenError({ code: 'DefectiveAuthorization' });
    expect(missing(error)).toEqual([{ element: 'recipients', rule: '45 CFR 164.508(c)(1)(iii)', ruleId: 'H4', message: expect.any(String) }]);
  });

  it('H5: a grant without the right-to-revoke statement is refused citing 164.508(c)(2)(i), H5', () => {
    const error = givenSubject().when(grantCommand({ statements: { noConditioning: true, redisclosure: true } }), context(T0)).thenError({ code: 'DefectiveAuthorization' });
    expect(missing(error)).toEqual([expect.objectContaining({ element: 'statements.rightToRevoke', rule: '45 CFR 164.508(c)(2)(i)', ruleId: 'H5' })]);
  });

  it('H6: the plain-language form the person read is identified: a grant must name its form and version, and keeps the document hash', () => {
    givenSubject().when(grantCommand({ formId: undefined }), context(T0)).thenError({ code: 'DefectiveAuthorization', missingElements: [expect.objectContaining({ element: 'form' })] });
    const [event] = givenSubject().when(grantCommand({ documentSha256: 'ab'.repeat(32) }), context(T0)).events();
    expect(event.data).toMatchObject({ formId: 'hipaa-marketing', formVersion: '2026-01', documentSha256: 'ab'.repeat(32) });
  });
});

describe('H7 / E2 — the individual’s copy, on paper or electronically under an ESIGN consent', () => {
  const grant = granted();
  const esign = eventsOf(subjectDecider, subjectOf([grant]), { type: 'GiveEsignConsent', disclosureVersion: 'esign-2026-01', demonstratedAccess: true, givenAt: T0 }, context(T0));
  const later = '2026-11-23T15:00:00Z';

  it('H7: given a grant and an ESIGN consent, when a copy is emailed, then AuthorizationCopyProvided naming the consent', () => {
    givenSubject([grant, ...esign])
      .when({ type: 'RecordCopyProvided', authorizationId: 'auth-1', method: 'email', providedAt: later }, context(later))
      .then([
        {
          type: 'AuthorizationCopyProvided',
          data: { authorizationId: 'auth-1', method: 'email', esignConsent: { disclosureVersion: 'esign-2026-01', givenAt: T0 }, effectiveAt: later, recordedAt: later },
        },
      ]);
  });

  it('H7: a paper copy needs no ESIGN consent, and the state keeps each copy with its evidence', () => {
    const given = givenSubject([grant]);
    const events = given.when({ type: 'RecordCopyProvided', authorizationId: 'auth-1', method: 'paper' }, context(later)).events();
    expect(events[0].data).toMatchObject({ method: 'paper', esignConsent: null, effectiveAt: later });
    const state = subjectOf([grant, ...events]);
    expect(findAuthorization(state, 'auth-1')!.copies).toEqual([
      { method: 'paper', esignConsent: null, effectiveAt: later, recordedAt: later, evidence: { eventId: 'sub-2', position: '2' } },
    ]);
  });

  it('H7: a copy of an unknown authorization is AuthorizationNotFound', () => {
    givenSubject([grant]).when({ type: 'RecordCopyProvided', authorizationId: 'nope', method: 'paper' }, context(later)).thenError({ code: 'AuthorizationNotFound' });
  });

  it('E2: given no ESIGN consent, when a copy is sent by email or portal, then EsignConsentRequired citing 15 U.S.C. 7001(c)(1)', () => {
    for (const method of ['email', 'portal'] as const) {
      givenSubject([grant])
        .when({ type: 'RecordCopyProvided', authorizationId: 'auth-1', method }, context(later))
        .thenError({ code: 'EsignConsentRequired', rule: '15 U.S.C. 7001(c)(1)', ruleId: 'E2' });
    }
  });

  it('E2: a consent without demonstrated access is refused; a repeat appends nothing; a withdrawal ends it', () => {
    givenSubject().when({ type: 'GiveEsignConsent', disclosureVersion: 'v1', demonstratedAccess: false }, context(T0)).thenError({ code: 'InvalidCommand', field: 'demonstratedAccess' });
    expect(esign).toEqual([{ type: 'EsignConsentGiven', data: { disclosureVersion: 'esign-2026-01', demonstratedAccess: true, effectiveAt: T0, recordedAt: T0 } }]);
    givenSubject([grant, ...esign]).when({ type: 'GiveEsignConsent', disclosureVersion: 'esign-2026-01', demonstratedAccess: true }, context(later)).thenNothing();
    const withdrawn = givenSubject([grant, ...esign]).when({ type: 'WithdrawEsignConsent', withdrawnAt: later }, context(later)).events();
    expect(withdrawn).toEqual([{ type: 'EsignConsentWithdrawn', data: { disclosureVersion: 'esign-2026-01', effectiveAt: later, recordedAt: later } }]);
    givenSubject([grant, ...esign, ...withdrawn]).when({ type: 'WithdrawEsignConsent' }, context(later)).thenNothing();
    givenSubject([grant, ...esign, ...withdrawn])
      .when({ type: 'RecordCopyProvided', authorizationId: 'auth-1', method: 'portal', providedAt: later }, context(later))
      .thenError({ code: 'EsignConsentRequired' });
    // Before the withdrawal the consent was in force.
    givenSubject([grant, ...esign, ...withdrawn])
      .when({ type: 'RecordCopyProvided', authorizationId: 'auth-1', method: 'portal', providedAt: '2026-11-23T14:30:00Z' }, context(later))
      .events();
  });
});

describe('E1 / E3 / E4 — the signature record', () => {
  it('E1: the grant keeps the intent act (derived from the method, or as given) and the hash of the exact document', () => {
    const [typed] = givenSubject().when(grantCommand({ documentSha256: 'cd'.repeat(32) }), context(T0)).events();
    expect(typed.data).toMatchObject({ signature: { method: 'typed', intentAct: 'typed-name' }, documentSha256: 'cd'.repeat(32) });
    const [clicked] = givenSubject().when(grantCommand({ signature: { ...signature, intentAct: 'sign-action' } }), context(T0)).events();
    expect(clicked.data).toMatchObject({ signature: { intentAct: 'sign-action' } });
    const [paper] = givenSubject().when(grantCommand({ signature: { ...signature, method: 'paper', image: 'JVBERi0=' } }), context(T0)).events();
    expect(paper.data).toMatchObject({ signature: { intentAct: 'wet-ink', hasImage: true } });
  });

  it('E3: the authentication context (method, IP, user agent, session) is kept with the signature', () => {
    const authentication = { method: 'portal-session', ip: '203.0.113.7', userAgent: 'Mozilla/5.0', sessionId: 's-42' };
    const [event] = givenSubject().when(grantCommand({ signature: { ...signature, authentication } }), context(T0)).events();
    expect(event.data).toMatchObject({ signature: { authentication } });
    const [bare] = givenSubject().when(grantCommand(), context(T0)).events();
    expect((bare.data as { signature: object }).signature).not.toHaveProperty('authentication');
  });

  it('E4: the document hash survives the wire exactly, and the record is held for the retention period', () => {
    const event = granted({ documentSha256: 'ef'.repeat(32) });
    const wire = toWireEvent(event);
    expect(fromWireEvent(wire.type, wire.schemaVersion, JSON.parse(JSON.stringify(wire.data)))).toEqual(event);
    expect(retentionHold(subjectOf([event]), settings(), NOW)).toEqual({ held: true, retainUntil: '2033-11-23T00:00:00Z', retainedWhileInEffect: false });
  });
});

describe('H8 — defective authorizations: refused at intake, invalidated when discovered later', () => {
  const grant = granted();
  const discovered = '2026-12-10T09:00:00Z';
  const recorded = '2026-12-11T09:00:00Z';
  const invalidated = eventsOf(
    subjectDecider,
    subjectOf([grant]),
    { type: 'InvalidateAuthorization', authorizationId: 'auth-1', defect: 'known-false', discoveredAt: discovered },
    context(recorded),
  );

  it('H8: given a grant, when a defect is discovered, then AuthorizationInvalidated effective from discovery with its rule', () => {
    givenSubject([grant])
      .when({ type: 'InvalidateAuthorization', authorizationId: 'auth-1', defect: 'known-false', discoveredAt: discovered }, context(recorded))
      .then([
        {
          type: 'AuthorizationInvalidated',
          data: { authorizationId: 'auth-1', defect: 'known-false', rule: '45 CFR 164.508(b)(2)(v)', effectiveAt: discovered, recordedAt: recorded },
        },
      ]);
  });

  it('H8: evaluation gives AUTHORIZATION_INVALIDATED from the discovery on, never before, and only once known', () => {
    const state = subjectOf([grant, ...invalidated]);
    expect(evaluate(state, [], marketingEmail, '2026-12-10T08:59:59Z', recorded).decision).toBe('ALLOW');
    const after = evaluate(state, [], marketingEmail, discovered, recorded);
    expect(codes(after)).toEqual(['NO_AUTHORIZATION', 'AUTHORIZATION_INVALIDATED']);
    expect(after.reasons[1]).toMatchObject({ rule: '45 CFR 164.508(b)(2)', ruleId: 'H8' });
    expect(after.evidence).toEqual(expect.arrayContaining(['sub-1', 'sub-2']));
    // What the ledger answered before it recorded the discovery.
    expect(evaluate(state, [], marketingEmail, discovered, '2026-12-11T08:59:59Z').decision).toBe('ALLOW');
    const record = findAuthorization(state, 'auth-1')!;
    expect(authorizationStatusAt(record, discovered, recorded)).toBe('invalidated');
    expect(authorizationStatusAt(record, discovered, '2026-12-11T08:00:00Z')).toBe('active');
  });

  it('H8: each defect has one code and one rule; a repeat appends nothing; an unknown authorization is not found', () => {
    expect(Object.keys(DEFECT_RULES).sort()).toEqual([...AUTHORIZATION_DEFECTS].sort());
    givenSubject([grant, ...invalidated]).when({ type: 'InvalidateAuthorization', authorizationId: 'auth-1', defect: 'compound' }, context(recorded)).thenNothing();
    givenSubject([grant]).when({ type: 'InvalidateAuthorization', authorizationId: 'x', defect: 'compound' }, context(recorded)).thenError({ code: 'AuthorizationNotFound' });
    givenSubject([grant])
      .when({ type: 'InvalidateAuthorization', authorizationId: 'auth-1', defect: 'compound', discoveredAt: '2026-01-01T00:00:00Z' }, context(recorded))
      .thenError({ code: 'InvalidCommand', field: 'discoveredAt' });
  });

  it('H8: compound and conditioned authorizations are refused at intake, one code each', () => {
    const error = givenSubject().when(grantCommand({ compound: true, conditioned: true }), context(T0)).thenError({ code: 'DefectiveAuthorization' });
    expect(missing(error)).toEqual([
      expect.objectContaining({ element: 'compound', rule: '45 CFR 164.508(b)(3)', ruleId: 'H8' }),
      expect.objectContaining({ element: 'conditioned', rule: '45 CFR 164.508(b)(4)', ruleId: 'H8' }),
    ]);
  });
});

describe('H9 — revocation in writing on receipt; an oral request opts out at once', () => {
  const grant = granted();
  const oralAt = '2026-12-01T09:00:00Z';
  const writtenAt = '2026-12-05T10:00:00Z';

  it('H9: given a grant, when revoked by phone, then a revocation request and opt-outs; the authorization stays active awaiting writing', () => {
    const events = givenSubject([grant]).when({ type: 'RevokeAuthorization', authorizationId: 'auth-1', receivedVia: 'phone', receivedAt: oralAt }, context(oralAt)).events();
    expect(events.map((e) => e.type)).toEqual(['AuthorizationRevocationRequested', 'PreferenceSet', 'PreferenceSet']);
    const state = subjectOf([grant, ...events]);
    expect(authorizationStatusAt(findAuthorization(state, 'auth-1')!, oralAt, oralAt)).toBe('revocation-requested');
    expect(codes(evaluate(state, [], marketingEmail, oralAt, oralAt))).toEqual(['OPTED_OUT']);
    expect(evaluate(state, [], marketingEmail, '2026-12-01T08:59:59Z', oralAt).decision).toBe('ALLOW');
  });

  it('H9: a written revocation after an oral one completes it, effective at the written receipt; earlier decisions stay ALLOW', () => {
    const oral = eventsOf(subjectDecider, subjectOf([grant]), { type: 'RevokeAuthorization', authorizationId: 'auth-1', receivedVia: 'in-person', receivedAt: oralAt }, context(oralAt));
    const written = eventsOf(subjectDecider, subjectOf([grant, ...oral]), { type: 'RevokeAuthorization', authorizationId: 'auth-1', receivedVia: 'mail', receivedAt: writtenAt }, context(writtenAt));
    const state = subjectOf([grant, ...oral, ...written]);
    const record = findAuthorization(state, 'auth-1')!;
    expect(authorizationStatusAt(record, '2026-12-05T09:59:59Z', writtenAt)).toBe('revocation-requested');
    expect(authorizationStatusAt(record, writtenAt, writtenAt)).toBe('revoked');
    expect(evaluate(state, [], { channel: 'email', purpose: 'marketing' }, '2026-11-30T00:00:00Z', writtenAt).decision).toBe('ALLOW');
  });
});

describe('H10 — fundraising: the notice, opt-out of fundraising only, and opting back in by the person only', () => {
  const optedOut = eventsOf(subjectDecider, subjectDecider.initialState(), preference({}), context(T0));
  const tenant = tenantOf(givenTenant().when({ type: 'ChangeTenantSettings', fundraisingStatementInNotice: true, effectiveAt: '2026-01-01T00:00:00Z' }, context('2026-01-01T00:00:00Z')).events());
  const fundraising: EligibilityRequest = { channel: 'mail', communication: { category: 'fundraising' } };

  it('H10: fundraising is allowed only under the notice’s statement, and a fundraising opt-out denies fundraising only', () => {
    expect(codes(evaluate(undefined, [], fundraising, NOW, NOW))).toEqual(['FUNDRAISING_NOT_IN_NOTICE']);
    expect(codes(evaluate(undefined, [], fundraising, NOW, NOW, tenant))).toEqual(['FUNDRAISING_ALLOWED']);
    const state = subjectOf(optedOut);
    expect(codes(evaluate(state, [], fundraising, NOW, NOW, tenant))).toEqual(['OPTED_OUT']);
    expect(evaluate(state, [], { channel: 'mail', purpose: 'operations' }, NOW, NOW, tenant).decision).toBe('ALLOW');
  });

  it('H10: given a fundraising opt-out, when an import opts the person back in, then ResubscribeRequiresSubjectAction citing 164.514(f)(2)(v)', () => {
    givenSubject(optedOut)
      .when(preference({ choice: 'opt-in', source: 'import', effectiveAt: NOW }), context(NOW))
      .thenError({ code: 'ResubscribeRequiresSubjectAction', purpose: 'fundraising', rule: '45 CFR 164.514(f)(2)(v)', ruleId: 'H10' });
  });

  it.each(PREFERENCE_SOURCES)('H10: the person’s own opt-in (%s) lifts a fundraising opt-out', (source) => {
    const events = givenSubject(optedOut).when(preference({ choice: 'opt-in', source, effectiveAt: NOW }), context(NOW)).events();
    expect(evaluate(subjectOf([...optedOut, ...events]), [], fundraising, NOW, NOW, tenant).decision).toBe('ALLOW');
  });

  it('H10: an import may record an opt-out, and an opt-in where no opt-out is in force', () => {
    givenSubject().when(preference({ source: 'import' }), context(T0)).events();
    givenSubject().when(preference({ choice: 'opt-in', source: 'esp-resubscribe' }), context(T0)).events();
  });
});

describe('H11 — retention: authorizations are kept six years (or the tenant’s years) from when last in effect', () => {
  const byEvent = granted({ expiresAt: null, expirationEvent: 'study-1-closed' });

  it('H11: the hold runs to the later of signing and the end of effect, plus retentionYears', () => {
    expect(retentionHold(subjectOf([granted()]), settings(), NOW)).toEqual({ held: true, retainUntil: '2033-11-23T00:00:00Z', retainedWhileInEffect: false });
    expect(retentionHold(subjectOf([granted()]), settings({ retentionYears: 10 }), NOW).retainUntil).toBe('2037-11-23T00:00:00Z');
    const revoked = eventsOf(subjectDecider, subjectOf([granted()]), { type: 'RevokeAuthorization', authorizationId: 'auth-1', receivedVia: 'portal', receivedAt: NOW }, context(NOW));
    expect(retentionHold(subjectOf([granted(), ...revoked]), settings(), NOW).retainUntil).toBe('2032-12-01T00:00:00Z');
    expect(retentionHold(subjectOf([]), settings(), NOW)).toEqual({ held: false, retainUntil: null, retainedWhileInEffect: false });
  });

  it('H11: still in effect with no expiry instant: no end yet, retained while in effect', () => {
    expect(retentionHold(subjectOf([byEvent]), settings(), NOW)).toEqual({ held: true, retainUntil: null, retainedWhileInEffect: true });
  });

  it('H11: given an authorization inside the window, when the subject is erased, then RetentionHold with the date it ends', () => {
    givenSubject([granted()])
      .when({ type: 'EraseSubject' }, context(NOW))
      .thenError({ code: 'RetentionHold', retainUntil: '2033-11-23T00:00:00Z', retainedWhileInEffect: false, rule: '45 CFR 164.530(j)(2)', ruleId: 'H11' });
    givenSubject([byEvent]).when({ type: 'EraseSubject' }, context(NOW)).thenError({ code: 'RetentionHold', retainUntil: null, retainedWhileInEffect: true });
  });

  it('H11: after the window, erasure is recorded (the shredding itself happens outside the domain), once', () => {
    const after = '2033-11-23T00:00:00Z';
    const erased = givenSubject([granted()]).when({ type: 'EraseSubject' }, context(after, settings())).events();
    expect(erased).toEqual([{ type: 'SubjectErased', data: { subjectId: 'p-1001', retentionYears: 6, effectiveAt: after, recordedAt: after } }]);
    expect(subjectOf([granted(), ...erased]).erasure).toEqual({ effectiveAt: after, recordedAt: after, evidence: { eventId: 'sub-2', position: '2' } });
    givenSubject([granted(), ...erased]).when({ type: 'EraseSubject' }, context(after)).thenNothing();
    // A subject with preferences only holds nothing.
    givenSubject(eventsOf(subjectDecider, subjectDecider.initialState(), preference({}), context(T0))).when({ type: 'EraseSubject' }, context(NOW)).events();
  });
});

describe('H12 — disclosures under an authorization are tagged for the accounting of disclosures', () => {
  it('H12: an ALLOW on an authorization is underAuthorization; exempt, excepted and denied decisions are not', () => {
    const state = subjectOf([granted()]);
    const authorized = evaluate(state, [], marketingEmail, NOW, NOW);
    expect(authorized.underAuthorization).toBe(true);
    expect(isUnderAuthorization(authorized)).toBe(true);
    expect(evaluate(state, [], { channel: 'email', purpose: 'treatment' }, NOW, NOW).underAuthorization).toBe(false);
    expect(evaluate(state, [], { channel: 'voice', purpose: 'marketing' }, NOW, NOW).underAuthorization).toBe(false);
    expect(evaluate(undefined, [], { channel: 'mail', communication: { category: 'promotion', exception: 'face-to-face' } }, NOW, NOW).underAuthorization).toBe(false);
  });
});

describe('H13 — expiry by date in the tenant’s zone, and by event at its effectiveAt', () => {
  const newYork = settings({ timeZone: 'America/New_York' });

  it.each([
    ['2026-06-30', '2026-07-01T03:59:59Z', '2026-07-01T04:00:00Z'],
    ['2026-12-30', '2026-12-31T04:59:59Z', '2026-12-31T05:00:00Z'],
  ])('H13: a date-only expiry %s in America/New_York allows at %s and denies at %s', (expiresOn, lastAllowed, firstDenied) => {
    const signedAt = '2026-01-10T00:00:00Z';
    const [event] = givenSubject().when(grantCommand({ expiresAt: null, expiresOn, signature: { ...signature, signedAt } }), context(signedAt, newYork)).events();
    const state = subjectOf([event]);
    expect(evaluate(state, [], marketingEmail, lastAllowed, '2027-02-01T00:00:00Z').decision).toBe('ALLOW');
    expect(codes(evaluate(state, [], marketingEmail, firstDenied, '2027-02-01T00:00:00Z'))).toEqual(['NO_AUTHORIZATION', 'AUTHORIZATION_EXPIRED']);
  });

  it('H13: an expiration event ends every authorization naming it at its occurrence, as known from its recording', () => {
    const study = (id: string) => granted({ authorizationId: id, purposes: ['research'], expiresAt: null, expirationEvent: 'study-9-closed' });
    const occurredAt = '2027-01-10T00:00:00Z';
    const recordedAt = '2027-01-12T00:00:00Z';
    const history: SubjectEvent[] = [study('r-1'), study('r-2')];
    const expired = eventsOf(subjectDecider, subjectOf(history), { type: 'RecordExpirationEvent', event: 'study-9-closed', occurredAt }, context(recordedAt));
    expect(expired.map((e) => e.data)).toEqual([
      { authorizationId: 'r-1', reason: 'event', expirationEvent: 'study-9-closed', effectiveAt: occurredAt, recordedAt },
      { authorizationId: 'r-2', reason: 'event', expirationEvent: 'study-9-closed', effectiveAt: occurredAt, recordedAt },
    ]);
    const state = subjectOf([...history, ...expired]);
    const research: EligibilityRequest = { channel: 'email', purpose: 'research' };
    expect(evaluate(state, [], research, '2027-01-11T00:00:00Z', '2027-01-11T12:00:00Z').decision).toBe('ALLOW');
    expect(codes(evaluate(state, [], research, '2027-01-11T00:00:00Z', recordedAt))).toEqual(['NO_AUTHORIZATION', 'AUTHORIZATION_EXPIRED']);
  });
});

describe('C1 / C3 / C4 / C6 / C7 — CAN-SPAM', () => {
  const key = contactKeyOf('jane@example.com');
  const optOut = (over = {}) => ({ type: 'OptOutContact' as const, contactType: 'email' as const, contactKey: key, purpose: 'marketing' as const, channel: 'email' as const, source: 'one-click' as const, occurredAt: T0, ...over });

  it('C1: given an address no subject is linked to, when it unsubscribes, then the check by address alone denies marketing', () => {
    const contact = contactOf(givenContact().when(optOut(), context(T0)).events());
    const d = evaluate(undefined, [contact], marketingEmail, NOW, NOW);
    expect(d.reasons).toContainEqual(expect.objectContaining({ code: 'CONTACT_OPTED_OUT', rule: '15 U.S.C. 7704(a)(4)', ruleId: 'C1' }));
  });

  it('C3: unsubscribe tokens live at least 60 days, beyond the 30-day floor; a shorter lifetime is refused', () => {
    expect(UNSUBSCRIBE_TOKEN_MIN_LIFETIME_DAYS).toBe(60);
    expect(UNSUBSCRIBE_MECHANISM_MIN_DAYS).toBe(30);
    expect(unsubscribeTokenExpiresAt(T0)).toBe('2027-01-22T14:00:00Z');
    expect(unsubscribeTokenValid(T0, '2027-01-22T13:59:59Z')).toBe(true);
    expect(unsubscribeTokenValid(T0, '2027-01-22T14:00:00Z')).toBe(false);
    expect(() => unsubscribeTokenExpiresAt(T0, 30)).toThrow(RangeError);
    expect(unsubscribeTokenExpiresAt(T0, 90)).toBe('2027-02-21T14:00:00Z');
  });

  it('C4: a marketing unsubscribe leaves appointment reminders and test results; an opt-out of everything on email does not', () => {
    const marketing = contactOf(givenContact().when(optOut(), context(T0)).events());
    const everything = contactOf(givenContact().when(optOut({ purpose: '*' }), context(T0)).events());
    for (const category of ['appointment-reminder', 'test-results'] as const) {
      expect(evaluate(undefined, [marketing], { channel: 'email', communication: { category } }, NOW, NOW).decision).toBe('ALLOW');
      expect(codes(evaluate(undefined, [everything], { channel: 'email', communication: { category } }, NOW, NOW))).toEqual(['CONTACT_OPTED_OUT']);
    }
  });

  it('C6: given an unsubscribe, when an ESP sync re-subscribes the address, then ResubscribeRequiresSubjectAction (C6)', () => {
    const unsubscribed = givenContact().when(optOut(), context(T0)).events();
    givenContact(unsubscribed)
      .when({ type: 'OptInContact', contactType: 'email', contactKey: key, purpose: 'marketing', channel: 'email', source: 'esp-resubscribe', occurredAt: NOW }, context(NOW))
      .thenError({ code: 'ResubscribeRequiresSubjectAction', ruleId: 'C6', rule: '15 U.S.C. 7704(a)(4)' });
  });

  it('C6: an import cannot lift a subject’s marketing opt-out either', () => {
    const out = eventsOf(subjectDecider, subjectDecider.initialState(), preference({ purpose: 'marketing', channel: 'email' }), context(T0));
    givenSubject(out)
      .when(preference({ purpose: 'marketing', channel: 'email', choice: 'opt-in', source: 'import', effectiveAt: NOW }), context(NOW))
      .thenError({ code: 'ResubscribeRequiresSubjectAction', ruleId: 'C6' });
  });

  it('C7: given an opt-out, when an older opt-in arrives late, then both are kept and the opt-out still holds', () => {
    const out = givenContact().when(optOut({ occurredAt: '2026-11-25T00:00:00Z' }), context('2026-11-25T00:00:00Z')).events();
    const lateIn = givenContact(out)
      .when({ type: 'OptInContact', contactType: 'email', contactKey: key, purpose: 'marketing', channel: 'email', source: 'preference-centre', occurredAt: '2026-11-24T00:00:00Z' }, context(NOW))
      .events();
    const state = contactOf([...out, ...lateIn]);
    expect(state.history.map((f) => f.kind)).toEqual(['opted-out', 'opted-in']);
    expect(codes(evaluate(undefined, [state], marketingEmail, NOW, NOW))).toContain('CONTACT_OPTED_OUT');
  });
});

describe('P1 / P2 / P3 — 42 CFR Part 2 consents', () => {
  it('P1: given no history, when a complete Part 2 TPO consent with expiry "none" is granted, then it records its Part 2 terms', () => {
    const [event] = givenSubject().when(part2Tpo(), context(T0)).events();
    expect(event.data).toMatchObject({
      formId: 'part2-consent',
      expiresAt: null,
      expirationEvent: null,
      part2: { tpo: true, expiry: 'none' },
      redisclosureNotice: PART2_REDISCLOSURE_NOTICE,
    });
  });

  it('P1: "end of treatment" is the expiration event end-of-treatment, which ends it', () => {
    const [event] = givenSubject().when(part2Tpo({ part2: { tpo: true, expiry: 'end-of-treatment' } }), context(T0)).events();
    expect(event.data).toMatchObject({ expirationEvent: 'end-of-treatment', part2: { tpo: true, expiry: 'end-of-treatment' } });
    const ended = eventsOf(subjectDecider, subjectOf([event]), { type: 'RecordExpirationEvent', event: 'end-of-treatment', occurredAt: NOW }, context(NOW));
    expect(ended).toEqual([expect.objectContaining({ type: 'AuthorizationExpired', data: expect.objectContaining({ authorizationId: 'p2' }) })]);
  });

  it('P1: "none" or "end of treatment" is refused for a Part 2 consent that is not for TPO, citing 42 CFR 2.31(a)(8)', () => {
    for (const expiry of ['none', 'end-of-treatment'] as const) {
      const error = givenSubject().when(part2Tpo({ part2: { tpo: false, expiry } }), context(T0)).thenError({ code: 'DefectiveAuthorization' });
      expect(missing(error)).toContainEqual(expect.objectContaining({ element: 'expiration', rule: '42 CFR 2.31(a)(8)', ruleId: 'P1' }));
    }
  });

  it('P1: a Part 2 consent’s missing elements cite 42 CFR 2.31(a)', () => {
    const error = givenSubject()
      .when(part2Tpo({ informationDescription: ' ', disclosers: [], statements: { rightToRevoke: true, noConditioning: true } }), context(T0))
      .thenError({ code: 'DefectiveAuthorization' });
    expect(missing(error)).toEqual([
      expect.objectContaining({ element: 'informationDescription', rule: '42 CFR 2.31(a)(3)', ruleId: 'P1' }),
      expect.objectContaining({ element: 'disclosers', rule: '42 CFR 2.31(a)(2)', ruleId: 'P1' }),
      expect.objectContaining({ element: 'statements.redisclosure', rule: '42 CFR 2.32', ruleId: 'P1' }),
    ]);
    givenSubject().when(grantCommand({ part2: { tpo: true } }), context(T0)).thenError({ code: 'DefectiveAuthorization', missingElements: [expect.objectContaining({ element: 'form', ruleId: 'P1' })] });
  });

  it('P2: given no history, when a Part 2 TPO consent names marketing, then it is refused citing 42 CFR 2.31(a)(5)(ii)', () => {
    const error = givenSubject().when(part2Tpo({ purposes: ['treatment', 'marketing'] }), context(T0)).thenError({ code: 'DefectiveAuthorization' });
    expect(missing(error)).toEqual([expect.objectContaining({ element: 'purposes', rule: '42 CFR 2.31(a)(5)(ii)', ruleId: 'P2' })]);
  });

  it('P2: evaluation never counts a Part 2 TPO consent for marketing, even one recorded naming it', () => {
    const [event] = givenSubject().when(part2Tpo(), context(T0)).events();
    const legacy = { ...event, data: { ...event.data, purposes: ['treatment', 'marketing'], channels: ['email'] } } as SubjectEvent;
    const state = subjectOf([legacy]);
    expect(codes(evaluate(state, [], marketingEmail, NOW, NOW))).toEqual(['NO_AUTHORIZATION', 'PURPOSE_NOT_COVERED']);
    const withHipaa = subjectOf([legacy, granted()]);
    expect(codes(evaluate(withHipaa, [], { ...marketingEmail, usesPart2Data: true }, NOW, NOW))).toEqual(['PART2_CONSENT_REQUIRED']);
  });

  it('P2: Part 2 data needs a Part 2 consent covering the purpose in addition to the HIPAA basis', () => {
    const part2Marketing = granted({ authorizationId: 'p2m', formId: 'part2-consent' });
    const request = { ...marketingEmail, usesPart2Data: true };
    expect(codes(evaluate(subjectOf([part2Marketing]), [], request, NOW, NOW))).toEqual(['AUTHORIZED']);
    expect(codes(evaluate(subjectOf([granted()]), [], request, NOW, NOW))).toEqual(['PART2_CONSENT_REQUIRED']);
    const [tpo] = givenSubject().when(part2Tpo(), context(T0)).events();
    expect(codes(evaluate(subjectOf([tpo]), [], { channel: 'email', purpose: 'treatment', usesPart2Data: true }, NOW, NOW))).toEqual(['TREATMENT_EXEMPT']);
  });

  it('P3: events about a Part 2 consent carry the 42 CFR 2.32 notice; others do not', () => {
    const [grant] = givenSubject().when(part2Tpo({ expiresAt: '2027-06-01T00:00:00Z', part2: { tpo: true } }), context(T0)).events();
    const state = subjectOf([grant]);
    const at = '2026-12-01T00:00:00Z';
    const commands = [
      { type: 'RevokeAuthorization', authorizationId: 'p2', receivedVia: 'mail', receivedAt: at },
      { type: 'RevokeAuthorization', authorizationId: 'p2', receivedVia: 'phone', receivedAt: at },
      { type: 'InvalidateAuthorization', authorizationId: 'p2', defect: 'element-missing' },
      { type: 'RecordCopyProvided', authorizationId: 'p2', method: 'paper' },
    ] as const;
    const about = commands.map((c) => eventsOf(subjectDecider, state, c, context(at))[0]);
    about.push(eventsOf(subjectDecider, state, { type: 'ExpireAuthorization', authorizationId: 'p2' }, context('2027-06-01T00:00:00Z'))[0]);
    for (const event of [grant, ...about]) expect(event.data).toMatchObject({ redisclosureNotice: PART2_REDISCLOSURE_NOTICE });
    expect(PART2_REDISCLOSURE_NOTICE).toMatch(/^This record which has been disclosed to you is protected by Federal confidentiality rules \(42 CFR part 2\)/);
    expect(granted().data).not.toHaveProperty('redisclosureNotice');
  });

  it('P3: an ALLOW that uses Part 2 data carries the redisclosure notice', () => {
    const [tpo] = givenSubject().when(part2Tpo(), context(T0)).events();
    const d = evaluate(subjectOf([tpo]), [], { channel: 'email', purpose: 'operations', usesPart2Data: true }, NOW, NOW);
    expect(d).toMatchObject({ decision: 'ALLOW', redisclosureNotice: PART2_REDISCLOSURE_NOTICE });
    expect(evaluate(subjectOf([tpo]), [], { channel: 'email', purpose: 'operations' }, NOW, NOW)).not.toHaveProperty('redisclosureNotice');
  });
});
