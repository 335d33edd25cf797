/**
 * Invariants of the eligibility policy that must hold for every history (fast-check).
 */
import fc from 'fast-check';
import {
  CATEGORIES,
  CHANNELS,
  MARKETING_EXCEPTIONS,
  PURPOSES,
  REMUNERATIONS,
  contactKeyOf,
  evaluate,
  formatInstant,
  subjectDecider,
  type Channel,
  type ChannelScope,
  type ContactEvent,
  type EligibilityRequest,
  type Purpose,
  type PurposeScope,
  type SubjectEvent,
  contactView,
  subjectView,
  PRECOMPUTED_QUESTIONS,
  decodeAnswer,
  evaluateConsidering,
  instantMs,
  precomputeAnswers,
  precomputedQuestion,
} from '../src';
import { context, contactOf, subjectOf } from './support';

const BASE = Date.UTC(2026, 0, 1);
const at = (minute: number) => formatInstant(BASE + minute * 60_000);
const HORIZON = 10_000; // minutes in which generated facts fall

const purpose = fc.constantFrom(...PURPOSES);
const channel = fc.constantFrom(...CHANNELS);
const purposeScope: fc.Arbitrary<PurposeScope> = fc.oneof(purpose, fc.constant('*' as const));
const channelScope: fc.Arbitrary<ChannelScope> = fc.oneof(channel, fc.constant('*' as const));
const minute = fc.integer({ min: 0, max: HORIZON });
const lag = fc.integer({ min: 0, max: 2_000 });
const contactKey = contactKeyOf('jane@example.com');

const grantSpec = fc.record({
  purposes: fc.uniqueArray(purpose, { minLength: 1, maxLength: 3 }),
  channels: fc.uniqueArray(channel, { minLength: 1, maxLength: 3 }),
  signedAt: minute,
  recordLag: lag,
  duration: fc.integer({ min: 1, max: HORIZON }),
  involved: fc.boolean(),
  part2: fc.boolean(),
});
const revocationSpec = fc.record({
  index: fc.nat(),
  oral: fc.boolean(),
  receivedAt: minute,
  recordLag: fc.integer({ min: 1, max: 2_000 }),
});
const choiceSpec = fc.record({
  purpose: purposeScope,
  channel: channelScope,
  optOut: fc.boolean(),
  effectiveAt: minute,
  recordLag: lag,
});
const contactSpec = fc.record({
  kind: fc.constantFrom('out', 'in', 'bounce'),
  purpose: purposeScope,
  channel: channelScope,
  effectiveAt: minute,
  recordLag: lag,
});

const historySpec = fc.record({
  grants: fc.array(grantSpec, { maxLength: 3 }),
  revocations: fc.array(revocationSpec, { maxLength: 2 }),
  preferences: fc.array(choiceSpec, { maxLength: 5 }),
  contact: fc.array(contactSpec, { maxLength: 5 }),
});
type History = typeof historySpec extends fc.Arbitrary<infer H> ? H : never;

const byRecordedAt = <E extends { data: { recordedAt: string } }>(events: E[]) =>
  [...events].sort((a, b) => Date.parse(a.data.recordedAt) - Date.parse(b.data.recordedAt));

/** A realistic stream: the events the deciders would have written, in the order they were recorded. */
function subjectEvents(h: History): SubjectEvent[] {
  const grants: SubjectEvent[] = h.grants.map((g, i) => ({
    type: 'AuthorizationGranted',
    data: {
      authorizationId: `auth-${i}`,
      subjectId: 'p-1',
      formId: g.part2 ? 'part2-consent' : 'hipaa-marketing',
      formVersion: '1',
      purposes: g.purposes,
      channels: g.channels,
      informationDescription: 'd',
      disclosers: ['x'],
      recipients: ['y'],
      purposeStatement: 's',
      expiresAt: at(g.signedAt + g.duration),
      expiresOn: null,
      expirationEvent: null,
      remuneration: { involved: g.involved, statement: g.involved ? 'paid' : null },
      statements: { rightToRevoke: true, noConditioning: true, redisclosure: true },
      signature: { signerName: 'n', signedAt: at(g.signedAt), signerRole: 'self', representativeAuthority: null, method: 'typed', hasImage: false },
      documentSha256: null,
      effectiveAt: at(g.signedAt),
      recordedAt: at(g.signedAt + g.recordLag),
    },
  }));
  const others: SubjectEvent[] = h.preferences.map((p) => ({
    type: 'PreferenceSet',
    data: { purpose: p.purpose, channel: p.channel, choice: p.optOut ? 'opt-out' : 'opt-in', source: 'portal', effectiveAt: at(p.effectiveAt), recordedAt: at(p.effectiveAt + p.recordLag) },
  }));
  for (const r of h.revocations) {
    if (h.grants.length === 0) break;
    const i = r.index % h.grants.length;
    const g = h.grants[i];
    const recorded = g.signedAt + g.recordLag + r.recordLag;
    others.push({
      type: r.oral ? 'AuthorizationRevocationRequested' : 'AuthorizationRevoked',
      data: { authorizationId: `auth-${i}`, receivedVia: r.oral ? 'phone' : 'mail', note: null, effectiveAt: at(Math.min(r.receivedAt, recorded)), recordedAt: at(recorded) },
    });
  }
  return byRecordedAt([...grants, ...others]);
}

/** An address's events (the history's email address, or another contact point given by key and type). */
function contactEvents(h: Pick<History, 'contact'>, key = contactKey, type: 'email' | 'phone' = 'email'): ContactEvent[] {
  return byRecordedAt(
    h.contact.map((c): ContactEvent => {
      const times = { effectiveAt: at(c.effectiveAt), recordedAt: at(c.effectiveAt + c.recordLag) };
      if (c.kind === 'bounce') return { type: 'ContactUndeliverable', data: { contactKey: key, type, source: 'bounce', ...times } };
      return c.kind === 'out'
        ? { type: 'ContactOptedOut', data: { contactKey: key, type, purpose: c.purpose, channel: c.channel, source: 'one-click', ...times } }
        : { type: 'ContactOptedIn', data: { contactKey: key, type, purpose: c.purpose, channel: c.channel, source: 'preference-centre', ...times } };
    }),
  );
}

const requestSpec: fc.Arbitrary<EligibilityRequest> = fc.record({
  channel,
  purpose,
  usesPart2Data: fc.boolean(),
});

const endSpec = fc.record({
  index: fc.nat(),
  kind: fc.constantFrom('expired', 'invalidated', 'copy', 'esign', 'link', 'unlink'),
  at: minute,
  recordLag: fc.integer({ min: 0, max: 2_000 }),
});
type End = typeof endSpec extends fc.Arbitrary<infer E> ? E : never;
const phoneKey = contactKeyOf('+15551234567');

/** The history's subject with further facts: ends of its authorizations, copies, ESIGN consents, links and unlinks. */
function subjectWith(h: History, ends: End[]) {
  const grants = subjectEvents(h).filter((e) => e.type === 'AuthorizationGranted');
  const extra = ends.flatMap((x): SubjectEvent[] => {
    const times = { effectiveAt: at(x.at), recordedAt: at(x.at + x.recordLag) };
    const id = grants.length > 0 ? `auth-${x.index % grants.length}` : 'auth-0';
    switch (x.kind) {
      case 'expired': return grants.length > 0 ? [{ type: 'AuthorizationExpired', data: { authorizationId: id, reason: 'event', expirationEvent: 'study ends', ...times } }] : [];
      case 'invalidated': return grants.length > 0 ? [{ type: 'AuthorizationInvalidated', data: { authorizationId: id, defect: 'element-missing', rule: 'H8', ...times } }] : [];
      case 'copy': return grants.length > 0 ? [{ type: 'AuthorizationCopyProvided', data: { authorizationId: id, method: 'paper', esignConsent: null, ...times } }] : [];
      case 'esign': return [{ type: 'EsignConsentGiven', data: { disclosureVersion: '1', demonstratedAccess: true, ...times } }];
      case 'link': return [{ type: 'ContactPointLinked', data: { contactKey: x.index % 2 ? contactKey : phoneKey, type: x.index % 2 ? 'email' : 'phone', value: x.index % 2 ? 'jane@example.com' : '+15551234567', ...times } }];
      default: return [{ type: 'ContactPointUnlinked', data: { contactKey, type: 'email', ...times } }];
    }
  });
  return subjectOf(byRecordedAt([...subjectEvents(h), ...extra]));
}

const RUNS = { numRuns: 200 };

describe('properties of eligibility', () => {
  it('(1) an opt-out for a purpose and channel always denies them, whatever else the history holds', () => {
    fc.assert(
      fc.property(historySpec, purpose, channel, fc.boolean(), fc.boolean(), fc.boolean(), (h, p, c, wildPurpose, wildChannel, byAddress) => {
        const key = { purpose: wildPurpose ? ('*' as const) : p, channel: wildChannel ? ('*' as const) : c };
        // The opt-out is the latest fact for its key: nothing later lifts it.
        const when = { effectiveAt: at(HORIZON + 3_000), recordedAt: at(HORIZON + 3_000) };
        // A contact point speaks for the channels that reach it: email for an address, sms/voice for a phone.
        const contactType = c === 'email' ? 'email' : c === 'sms' || c === 'voice' ? 'phone' : null;
        const onContact = byAddress && contactType !== null;
        let subject = subjectOf(subjectEvents(h));
        let contacts = [contactOf(contactEvents(h))];
        if (onContact && contactType === 'email') {
          contacts = [contactOf([...contactEvents(h), { type: 'ContactOptedOut', data: { contactKey, type: 'email', ...key, source: 'esp-complaint', ...when } }])];
        } else if (onContact) {
          contacts.push(contactOf([{ type: 'ContactOptedOut', data: { contactKey: phoneKey, type: 'phone', ...key, source: 'sms-stop', ...when } }], 'phone'));
        } else {
          subject = subjectOf([...subjectEvents(h), { type: 'PreferenceSet', data: { ...key, choice: 'opt-out', source: 'email', ...when } }]);
        }
        const asOf = at(HORIZON + 4_000);
        const d = evaluate(subject, contacts, { channel: c, purpose: p }, asOf, asOf);
        expect(d.decision).toBe('DENY');
        const codes = d.reasons.map((r) => r.code);
        if (!onContact) expect(codes).toContain('OPTED_OUT');
        // A bounce speaks alone for its address.
        else expect(codes.some((x) => x === 'CONTACT_OPTED_OUT' || x === 'CONTACT_UNDELIVERABLE')).toBe(true);
      }),
      RUNS,
    );
  });

  it('(2) recording a revocation never changes a decision evaluated at an earlier instant', () => {
    fc.assert(
      fc.property(historySpec, requestSpec, fc.nat(), minute, fc.constantFrom('portal', 'mail', 'email', 'fax', 'phone', 'in-person' as const), fc.integer({ min: 1, max: HORIZON }), (h, request, pick, received, via, before) => {
        const events = subjectEvents(h);
        const state = subjectOf(events);
        if (state.authorizations.length === 0) return;
        const target = state.authorizations[pick % state.authorizations.length];
        const now = at(HORIZON * 3);
        const result = subjectDecider.decide(
          { type: 'RevokeAuthorization', authorizationId: target.authorizationId, receivedVia: via, receivedAt: at(received) },
          state,
          context(now),
        );
        if (!result.ok) throw new Error(result.error.code);
        const revoked = subjectOf([...events, ...result.events]);
        const asOf = at(received - before);
        const knownAt = at(HORIZON * 4);
        expect(evaluate(revoked, [], request, asOf, knownAt)).toEqual(evaluate(state, [], request, asOf, knownAt));
      }),
      RUNS,
    );
  });

  it('(3) an authorization expiring at T allows at T-1ms and denies at T', () => {
    fc.assert(
      fc.property(grantSpec, fc.constantFrom<Purpose>('marketing', 'research'), fc.integer({ min: 0, max: 2 }), (g, p, channelIndex) => {
        const spec = { ...g, purposes: [...new Set([...g.purposes, p])], part2: false };
        const c: Channel = spec.channels[channelIndex % spec.channels.length];
        const state = subjectOf(subjectEvents({ grants: [spec], revocations: [], preferences: [], contact: [] }));
        const T = Date.parse(state.authorizations[0].expiresAt!);
        const knownAt = at(HORIZON * 3);
        const justBefore = evaluate(state, [], { channel: c, purpose: p }, formatInstant(T - 1), knownAt);
        const atExpiry = evaluate(state, [], { channel: c, purpose: p }, formatInstant(T), knownAt);
        expect(justBefore.decision).toBe('ALLOW');
        expect(atExpiry.decision).toBe('DENY');
        expect(atExpiry.reasons.map((r) => r.code)).toContain('AUTHORIZATION_EXPIRED');
      }),
      RUNS,
    );
  });

  it('(4) evaluating with knownAt=t uses only events recorded by t', () => {
    fc.assert(
      fc.property(historySpec, requestSpec, minute, minute, (h, request, t, asOfMinute) => {
        const knownAt = at(t);
        const asOf = at(asOfMinute);
        const subject = subjectEvents(h);
        const contact = contactEvents(h);
        const recordedBy = <E extends { data: { recordedAt: string } }>(events: E[]) =>
          events.filter((e) => Date.parse(e.data.recordedAt) <= Date.parse(knownAt));
        const full = evaluate(subjectOf(subject), [contactOf(contact)], request, asOf, knownAt);
        const known = evaluate(subjectOf(recordedBy(subject)), [contactOf(recordedBy(contact))], request, asOf, knownAt);
        expect(full).toEqual(known);
      }),
      RUNS,
    );
  });

  it('(5) evaluate answers alike on the folded states and on the policy views the read model stores', () => {
    fc.assert(
      fc.property(historySpec, fc.array(endSpec, { maxLength: 4 }), requestSpec, fc.boolean(), minute, minute, (h, ends, request, byAddress, asOfMinute, knownMinute) => {
        const subject = subjectWith(h, ends);
        const contact = contactOf(contactEvents(h));
        const stored = <T>(view: T): T => JSON.parse(JSON.stringify(view)) as T;
        const asOf = at(asOfMinute);
        const knownAt = at(Math.max(asOfMinute, knownMinute) + 2_000);
        const asked = byAddress ? { ...request, contactKey } : request;
        const fromStates = evaluate(subject, [contact], asked, asOf, knownAt);
        const fromViews = evaluate(stored(subjectView(subject)), [stored(contactView(contact))], asked, asOf, knownAt);
        expect(fromViews).toEqual(fromStates);
        // The view carries none of the texts or the signer's data of the authorizations it summarises.
        expect(JSON.stringify(subjectView(subject))).not.toMatch(/signerName|informationDescription|purposeStatement|"value"/);
      }),
      RUNS,
    );
  });

  it('(6) the precomputed answers are evaluate\'s at every instant they hold for, by subject and by address', () => {
    const YEAR_MS = 365 * 86_400_000;
    fc.assert(
      fc.property(historySpec, fc.array(endSpec, { maxLength: 4 }), fc.array(contactSpec, { maxLength: 3 }), fc.boolean(), fc.nat(), fc.nat(),
        (h, ends, phone, byAddress, pick, offset) => {
          const subject = subjectView(subjectWith(h, ends));
          const contacts = new Map([
            [contactKey, contactView(contactOf(contactEvents(h)))],
            [phoneKey, contactView(contactOf(contactEvents({ contact: phone }, phoneKey, 'phone'), 'pho'))],
          ]);
          const precomputed = byAddress
            ? precomputeAnswers(undefined, contactKey, new Map([[contactKey, contacts.get(contactKey)!]]))
            : precomputeAnswers(subject, undefined, contacts);
          const from = instantMs(precomputed.validFrom);
          // Held for good when no fact names a later instant: asked up to three years on (past the 2027 policy version).
          const until = precomputed.validUntil === null ? from + 3 * YEAR_MS : instantMs(precomputed.validUntil);
          expect(until).toBeGreaterThan(from);
          const t = formatInstant(pick % 3 === 0 ? from : pick % 3 === 1 ? until - 1 : from + (offset % (until - from)));
          PRECOMPUTED_QUESTIONS.forEach((question, i) => {
            const expected = evaluateConsidering(byAddress ? undefined : subject, byAddress ? contactKey : undefined, contacts, question, t, t);
            expect({ question, ...decodeAnswer(precomputed.answers[precomputed.index.charCodeAt(i) - 48]) })
              .toEqual({ question, decision: expected.decision, reasons: expected.reasons.map((r) => r.code) });
          });
        }),
      RUNS,
    );
  });

  it('(7) a communication that precomputedQuestion maps to a kept question gets evaluate\'s answer to the communication', () => {
    const communication = fc.record({
      category: fc.constantFrom(...CATEGORIES),
      thirdPartyRemuneration: fc.option(fc.oneof(fc.boolean(), fc.constantFrom(...REMUNERATIONS)), { nil: undefined }),
      aboutCurrentlyPrescribedDrug: fc.option(fc.boolean(), { nil: undefined }),
      encouragesSwitch: fc.option(fc.boolean(), { nil: undefined }),
      // Mostly none: a declared exception is never mapped, and the rest is what the property is about.
      exception: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.constantFrom(...MARKETING_EXCEPTIONS), weight: 1 }),
    }, { requiredKeys: ['category'] });
    let mapped = 0;
    fc.assert(
      fc.property(historySpec, fc.array(endSpec, { maxLength: 4 }), communication, channel, fc.boolean(), fc.nat(),
        (h, ends, asked, on, usesPart2Data, offset) => {
          const request: EligibilityRequest = { channel: on, communication: asked, usesPart2Data };
          const i = precomputedQuestion(request);
          if (i < 0) return;
          mapped++;
          const subject = subjectView(subjectWith(h, ends));
          const contacts = new Map([[contactKey, contactView(contactOf(contactEvents(h)))]]);
          const precomputed = precomputeAnswers(subject, undefined, contacts);
          const from = instantMs(precomputed.validFrom);
          const until = precomputed.validUntil === null ? from + 86_400_000 : instantMs(precomputed.validUntil);
          const t = formatInstant(from + (offset % (until - from)));
          const expected = evaluateConsidering(subject, undefined, contacts, request, t, t);
          expect({ asked, ...decodeAnswer(precomputed.answers[precomputed.index.charCodeAt(i) - 48]) })
            .toEqual({ asked, decision: expected.decision, reasons: expected.reasons.map((r) => r.code) });
        }),
      RUNS,
    );
    expect(mapped).toBeGreaterThan(0);
  });
});
