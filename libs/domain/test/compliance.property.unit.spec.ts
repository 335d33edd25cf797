/**
 * The four invariants of the issue (fast-check), over random histories holding every kind of event the ledger
 * writes: grants (HIPAA, Part 2, Part 2 TPO, by date or by event), written and oral revocations, invalidations,
 * expiration events, copies and ESIGN consents, subject preferences, email opt-outs / opt-ins / bounces, inbound
 * texts read by the contact decider (STOP, START, review items and their resolution, on both sides of the T3
 * switch), and tenant settings changes.
 */
import fc from 'fast-check';
import {
  AUTHORIZATION_DEFECTS,
  CATEGORIES,
  CHANNELS,
  PURPOSES,
  classify,
  contactDecider,
  contactKeyOf,
  evaluate,
  formatInstant,
  fold,
  subjectDecider,
  type ChannelScope,
  type ContactEvent,
  type EligibilityRequest,
  type MarketingException,
  type PurposeScope,
  type Remuneration,
  type SubjectEvent,
  type TenantEvent,
} from '../src';
import { context, contactOf, subjectOf, tenantOf } from './support';

// Histories straddle the T3 switch (2027-01-31T00:00:00Z is minute 4320).
const BASE = Date.UTC(2027, 0, 28);
const at = (minute: number) => formatInstant(BASE + minute * 60_000);
const HORIZON = 10_000;

const purpose = fc.constantFrom(...PURPOSES);
const channel = fc.constantFrom(...CHANNELS);
const purposeScope: fc.Arbitrary<PurposeScope> = fc.oneof(purpose, fc.constant('*' as const));
const channelScope: fc.Arbitrary<ChannelScope> = fc.oneof(channel, fc.constant('*' as const));
const minute = fc.integer({ min: 0, max: HORIZON });
const lag = fc.integer({ min: 0, max: 2_000 });
const email = 'jane@example.com';
const emailKey = contactKeyOf(email);
const phone = '+15551234567';
const phoneKey = contactKeyOf(phone);
const SMS_BODIES = ['STOP', ' stop! ', 'Opt Out.', 'START', 'unstop', 'stop by at 3?', 'cancel my visit', 'thanks', 'END'];

const factSpec = fc.oneof(
  fc.record({
    kind: fc.constant('grant' as const),
    purposes: fc.uniqueArray(purpose, { minLength: 1, maxLength: 3 }),
    channels: fc.uniqueArray(channel, { minLength: 1, maxLength: 3 }),
    form: fc.constantFrom('hipaa', 'part2', 'part2-tpo'),
    byEvent: fc.boolean(),
    duration: fc.integer({ min: 1, max: HORIZON }),
    involved: fc.boolean(),
    at: minute,
    lag,
  }),
  fc.record({ kind: fc.constant('revoke' as const), target: fc.nat(), oral: fc.boolean(), at: minute, lag }),
  fc.record({ kind: fc.constant('invalidate' as const), target: fc.nat(), defect: fc.constantFrom(...AUTHORIZATION_DEFECTS), at: minute, lag }),
  fc.record({ kind: fc.constant('expiration-event' as const), at: minute, lag }),
  fc.record({ kind: fc.constant('copy' as const), target: fc.nat(), paper: fc.boolean(), at: minute, lag }),
  fc.record({ kind: fc.constant('esign' as const), give: fc.boolean(), at: minute, lag }),
  fc.record({ kind: fc.constant('preference' as const), purpose: purposeScope, channel: channelScope, optOut: fc.boolean(), at: minute, lag }),
  fc.record({ kind: fc.constant('email' as const), choice: fc.constantFrom('out', 'in', 'bounce'), purpose: purposeScope, channel: channelScope, at: minute, lag }),
  fc.record({ kind: fc.constant('sms' as const), body: fc.constantFrom(...SMS_BODIES), inReplyTo: fc.option(purpose, { nil: undefined }), at: minute, lag }),
  fc.record({ kind: fc.constant('sms-resolve' as const), outcome: fc.constantFrom('opt-out', 'opt-in', 'none'), at: minute, lag }),
  fc.record({ kind: fc.constant('settings' as const), fundraising: fc.boolean(), at: minute, lag }),
);
type FactSpec = typeof factSpec extends fc.Arbitrary<infer F> ? F : never;

interface Streams {
  subject: SubjectEvent[];
  email: ContactEvent[];
  phone: ContactEvent[];
  tenant: TenantEvent[];
}

/**
 * The events a ledger would hold, built in order of recording: each fact is recorded at `at + lag` (or, with
 * `recordedAfter`, strictly after it), and commands go through the deciders where the outcome depends on state.
 */
function build(facts: FactSpec[], base: Streams = { subject: [], email: [], phone: [], tenant: [] }, recordedAfter?: number, idPrefix = 'a'): Streams {
  const streams: Streams = { subject: [...base.subject], email: [...base.email], phone: [...base.phone], tenant: [...base.tenant] };
  const recorded = (f: FactSpec) => (recordedAfter === undefined ? f.at + f.lag : Math.max(recordedAfter + 1 + f.lag, f.at));
  const ordered = facts.map((f, i) => ({ f, i, rec: recorded(f) })).sort((a, b) => a.rec - b.rec || a.i - b.i);
  let ids = 0;
  for (const { f, i, rec } of ordered) {
    const recordedAt = at(rec);
    const ctx = { ...context(recordedAt), newId: () => `${idPrefix}-review-${++ids}` };
    const authorizations = subjectOf(streams.subject).authorizations;
    const target = (n: number) => (authorizations.length === 0 ? null : authorizations[n % authorizations.length]);
    const subjectCommand = (command: Parameters<typeof subjectDecider.decide>[0]) => {
      const result = subjectDecider.decide(command, subjectOf(streams.subject), ctx);
      if (result.ok) streams.subject.push(...result.events);
    };
    switch (f.kind) {
      case 'grant': {
        const signedAt = Math.min(f.at, rec);
        streams.subject.push({
          type: 'AuthorizationGranted',
          data: {
            authorizationId: `${idPrefix}-auth-${i}`,
            subjectId: 'p-1',
            formId: f.form === 'hipaa' ? 'hipaa-marketing' : 'part2-consent',
            formVersion: '1',
            purposes: f.purposes,
            channels: f.channels,
            informationDescription: 'd',
            disclosers: ['x'],
            recipients: ['y'],
            purposeStatement: 's',
            expiresAt: f.byEvent ? null : at(signedAt + f.duration),
            expiresOn: null,
            expirationEvent: f.byEvent ? 'study-closed' : null,
            remuneration: { involved: f.involved, statement: f.involved ? 'paid' : null },
            statements: { rightToRevoke: true, noConditioning: true, redisclosure: true },
            signature: { signerName: 'n', signedAt: at(signedAt), signerRole: 'self', representativeAuthority: null, method: 'typed', hasImage: false },
            documentSha256: null,
            ...(f.form === 'hipaa' ? {} : { part2: { tpo: f.form === 'part2-tpo', expiry: null } }),
            effectiveAt: at(signedAt),
            recordedAt,
          },
        });
        break;
      }
      case 'revoke': {
        const a = target(f.target);
        if (a) subjectCommand({ type: 'RevokeAuthorization', authorizationId: a.authorizationId, receivedVia: f.oral ? 'phone' : 'mail', receivedAt: at(Math.min(f.at, rec)) });
        break;
      }
      case 'invalidate': {
        const a = target(f.target);
        if (a) subjectCommand({ type: 'InvalidateAuthorization', authorizationId: a.authorizationId, defect: f.defect, discoveredAt: at(Math.min(f.at, rec)) });
        break;
      }
      case 'expiration-event':
        subjectCommand({ type: 'RecordExpirationEvent', event: 'study-closed', occurredAt: at(Math.min(f.at, rec)) });
        break;
      case 'copy': {
        const a = target(f.target);
        if (a) subjectCommand({ type: 'RecordCopyProvided', authorizationId: a.authorizationId, method: f.paper ? 'paper' : 'email', providedAt: at(Math.min(f.at, rec)) });
        break;
      }
      case 'esign':
        subjectCommand(
          f.give
            ? { type: 'GiveEsignConsent', disclosureVersion: 'v1', demonstratedAccess: true, givenAt: at(Math.min(f.at, rec)) }
            : { type: 'WithdrawEsignConsent', withdrawnAt: at(Math.min(f.at, rec)) },
        );
        break;
      case 'preference':
        subjectCommand({ type: 'SetPreference', purpose: f.purpose, channel: f.channel, choice: f.optOut ? 'opt-out' : 'opt-in', source: 'portal', effectiveAt: at(f.at) });
        break;
      case 'email': {
        const times = { effectiveAt: at(f.at), recordedAt };
        streams.email.push(
          f.choice === 'bounce'
            ? { type: 'ContactUndeliverable', data: { contactKey: emailKey, type: 'email', source: 'bounce', ...times } }
            : f.choice === 'out'
              ? { type: 'ContactOptedOut', data: { contactKey: emailKey, type: 'email', purpose: f.purpose, channel: f.channel, source: 'one-click', ...times } }
              : { type: 'ContactOptedIn', data: { contactKey: emailKey, type: 'email', purpose: f.purpose, channel: f.channel, source: 'preference-centre', ...times } },
        );
        break;
      }
      case 'sms':
      case 'sms-resolve': {
        const state = fold(contactDecider, contactDecider.initialState(), streams.phone);
        const open = state.reviews.find((r) => r.resolution === null);
        const command =
          f.kind === 'sms'
            ? { type: 'RecordInboundSms' as const, from: phone, contactKey: phoneKey, body: f.body, receivedAt: at(Math.min(f.at, rec)), inReplyTo: f.inReplyTo ? { purpose: f.inReplyTo } : null }
            : open
              ? { type: 'ResolveSmsReview' as const, reviewId: open.reviewId, outcome: f.outcome, resolvedAt: recordedAt }
              : null;
        if (!command) break;
        const result = contactDecider.decide(command, state, ctx);
        if (result.ok) streams.phone.push(...result.events);
        break;
      }
      case 'settings':
        streams.tenant.push({
          type: 'TenantSettingsChanged',
          data: { timeZone: 'UTC', fundraisingStatementInNotice: f.fundraising, retentionYears: 6, effectiveAt: at(f.at), recordedAt },
        });
        break;
    }
  }
  return streams;
}

const historySpec = fc.array(factSpec, { maxLength: 14 });

const requestSpec: fc.Arbitrary<EligibilityRequest> = fc.oneof(
  fc.record({ channel, purpose, usesPart2Data: fc.boolean() }),
  fc.record({
    channel,
    usesPart2Data: fc.boolean(),
    communication: fc.record(
      {
        category: fc.constantFrom(...CATEGORIES),
        thirdPartyRemuneration: fc.constantFrom<Remuneration | boolean>('none', 'cost-related', 'above-cost', true, false),
        aboutCurrentlyPrescribedDrug: fc.boolean(),
        deliverySystem: fc.boolean(),
        encouragesSwitch: fc.boolean(),
        exception: fc.constantFrom<MarketingException>('face-to-face', 'promotional-gift-nominal-value'),
      },
      { requiredKeys: ['category'] },
    ),
  }),
);

function decide(streams: Streams, request: EligibilityRequest, asOf: string, knownAt: string) {
  return evaluate(
    subjectOf(streams.subject),
    [contactOf(streams.email, 'email'), contactOf(streams.phone, 'phone')],
    request,
    asOf,
    knownAt,
    tenantOf(streams.tenant),
  );
}

function recordedBy(streams: Streams, knownAt: string): Streams {
  const keep = <E extends { data: { recordedAt: string } }>(events: E[]) => events.filter((e) => Date.parse(e.data.recordedAt) <= Date.parse(knownAt));
  return { subject: keep(streams.subject), email: keep(streams.email), phone: keep(streams.phone), tenant: keep(streams.tenant) };
}

const RUNS = { numRuns: 300 };

it('the generated histories hold every kind of event and decisions of every kind', () => {
  const types = new Set<string>();
  const codes = new Set<string>();
  fc.assert(
    fc.property(historySpec, requestSpec, minute, (facts, request, t) => {
      const streams = build(facts);
      Object.values(streams).flat().forEach((e) => types.add(e.type));
      decide(streams, request, at(t), at(HORIZON * 2)).reasons.forEach((r) => codes.add(r.code));
    }),
    // A fixed seed: this test measures the generator's reach, which must not depend on the draw.
    { numRuns: 3000, seed: 20261123 },
  );
  for (const type of ['AuthorizationInvalidated', 'AuthorizationCopyProvided', 'EsignConsentGiven', 'EsignConsentWithdrawn', 'SmsReviewRequested', 'SmsReviewResolved', 'AuthorizationRevocationRequested', 'AuthorizationExpired', 'TenantSettingsChanged']) {
    expect(types).toContain(type);
  }
  for (const code of ['AUTHORIZED', 'MARKETING_EXCEPTION', 'AUTHORIZATION_INVALIDATED', 'AUTHORIZATION_REVOKED', 'CONTACT_OPTED_OUT', 'PART2_CONSENT_REQUIRED', 'FUNDRAISING_ALLOWED']) {
    expect(codes).toContain(code);
  }
});

describe('properties of the compliance policy over histories with every kind of event', () => {
  it('(a) evaluating with knownAt = t uses only events recorded by t', () => {
    fc.assert(
      fc.property(historySpec, requestSpec, minute, minute, (facts, request, t, asOfMinute) => {
        const streams = build(facts);
        const knownAt = at(t);
        const asOf = at(asOfMinute);
        expect(decide(streams, request, asOf, knownAt)).toEqual(decide(recordedBy(streams, knownAt), request, asOf, knownAt));
      }),
      RUNS,
    );
  });

  it('(b) adding events recorded later never changes an answer for a knownAt before them', () => {
    fc.assert(
      fc.property(historySpec, fc.array(factSpec, { minLength: 1, maxLength: 6 }), requestSpec, minute, fc.integer({ min: 0, max: HORIZON * 2 }), (facts, later, request, t, asOfMinute) => {
        const streams = build(facts);
        // Everything already recorded stays; the new facts are recorded strictly after t (and after the history).
        const lastRecorded = Math.max(t, ...Object.values(streams).flat().map((e) => (Date.parse(e.data.recordedAt) - BASE) / 60_000));
        const extended = build(later, streams, lastRecorded, 'late');
        const knownAt = at(t);
        const asOf = at(asOfMinute);
        expect(decide(extended, request, asOf, knownAt)).toEqual(decide(streams, request, asOf, knownAt));
      }),
      RUNS,
    );
  });

  it('(c) an opt-out covering a purpose and channel always denies them, whatever else holds', () => {
    fc.assert(
      fc.property(historySpec, requestSpec, fc.constantFrom('subject', 'email', 'sms-stop'), fc.boolean(), fc.boolean(), (facts, request, where, wildPurpose, wildChannel) => {
        const streams = build(facts);
        const derived = classify(request.communication ?? { purpose: request.purpose }).purpose;
        const c = request.channel;
        const last = HORIZON * 3;
        const key = { purpose: wildPurpose ? ('*' as const) : derived, channel: wildChannel ? ('*' as const) : c };
        const times = { effectiveAt: at(last), recordedAt: at(last) };
        let byContact = false;
        if (where === 'email' && c === 'email') {
          streams.email.push({ type: 'ContactOptedOut', data: { contactKey: emailKey, type: 'email', ...key, source: 'esp-complaint', ...times } });
          byContact = true;
        } else if (where === 'sms-stop' && (c === 'sms' || c === 'voice')) {
          // After the T3 switch a STOP reaches every purpose on SMS and voice.
          const state = fold(contactDecider, contactDecider.initialState(), streams.phone);
          const result = contactDecider.decide({ type: 'RecordInboundSms', from: phone, contactKey: phoneKey, body: 'Stop.', receivedAt: at(last) }, state, context(at(last)));
          if (!result.ok) throw new Error(result.error.code);
          streams.phone.push(...result.events);
          byContact = true;
        } else {
          streams.subject.push({ type: 'PreferenceSet', data: { ...key, choice: 'opt-out', source: 'email', ...times } });
        }
        const asOf = at(last + 1);
        const d = decide(streams, request, asOf, asOf);
        expect(d.decision).toBe('DENY');
        const codes = d.reasons.map((r) => r.code);
        if (byContact) expect(codes.some((x) => x === 'CONTACT_OPTED_OUT' || x === 'CONTACT_UNDELIVERABLE')).toBe(true);
        else expect(codes).toContain('OPTED_OUT');
      }),
      RUNS,
    );
  });

  it('(d) a written revocation never changes answers with asOf before its receivedAt', () => {
    fc.assert(
      fc.property(
        historySpec,
        requestSpec,
        fc.nat(),
        minute,
        fc.constantFrom('portal', 'mail', 'email', 'fax' as const),
        fc.integer({ min: 1, max: HORIZON }),
        fc.integer({ min: 0, max: HORIZON * 4 }),
        (facts, request, pick, received, via, before, knownMinute) => {
          const streams = build(facts);
          const state = subjectOf(streams.subject);
          if (state.authorizations.length === 0) return;
          const targetId = state.authorizations[pick % state.authorizations.length].authorizationId;
          const now = at(HORIZON * 3);
          const result = subjectDecider.decide({ type: 'RevokeAuthorization', authorizationId: targetId, receivedVia: via, receivedAt: at(received) }, state, context(now));
          if (!result.ok) throw new Error(result.error.code);
          const revoked = { ...streams, subject: [...streams.subject, ...result.events] };
          const asOf = at(received - before);
          const knownAt = at(knownMinute);
          expect(decide(revoked, request, asOf, knownAt)).toEqual(decide(streams, request, asOf, knownAt));
        },
      ),
      RUNS,
    );
  });
});
