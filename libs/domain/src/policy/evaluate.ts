import { contactChoices, undeliverableFacts } from '../contact';
import { keyCovers, optOutsInForce } from '../opt-outs';
import {
  authorizationEnd,
  authorizationStatusAt,
  isAuthorizationActive,
  linkedContacts,
} from '../subject';
import { PART2_REDISCLOSURE_NOTICE, isPart2Consent, part2MayCover } from '../part2';
import { settingsFactAt, type TenantState } from '../tenant';
import { instantMs } from '../time';
import type { Channel, ContactType, Purpose } from '../vocabulary';
import { classify, type Classification, type Communication, type Requirement } from './classify';
import { reasons, type Reason } from './reasons';
import { policyVersionAt } from './versions';
import type { AuthorizationView, ContactView, FactView, RecordedView, SubjectView } from './view';

export { PART2_CONSENT_FORM_ID } from '../part2';

export interface EligibilityRequest {
  channel: Channel;
  purpose?: Purpose;
  /** H2 flags and the H1 exception ride on the communication. */
  communication?: Omit<Communication, 'purpose' | 'category'> & Required<Pick<Communication, 'category'>>;
  usesPart2Data?: boolean;
  contactKey?: string;
}

export interface Decision {
  decision: 'ALLOW' | 'DENY';
  purpose: Purpose;
  requires: Requirement;
  /** ALLOW: exactly one basis reason. DENY: every reason that applies. */
  reasons: Reason[];
  basis: { authorizationId: string; signedAt: string; expiresAt: string | null } | null;
  /** Ids of the events the decision rests on (when the states were folded with store coordinates). */
  evidence: string[];
  asOf: string;
  knownAt: string;
  /** T3: the policy version in force at `asOf`. */
  policyVersion: string;
  /** H12, 45 CFR 164.528(a)(1)(iv): an ALLOW resting on an authorization; the accounting of disclosures leaves it out. */
  underAuthorization: boolean;
  /** P3, 42 CFR 2.32: an ALLOW that uses Part 2 data carries the redisclosure notice to send with it. */
  redisclosureNotice?: string;
}

/** H12: whether a decision (and the disclosure made on it) is under an authorization, for the access log. */
export function isUnderAuthorization(decision: Pick<Decision, 'decision' | 'basis' | 'reasons'>): boolean {
  return decision.decision === 'ALLOW' && decision.basis !== null && decision.reasons.some((r) => r.code === 'AUTHORIZED');
}

/** Which channels reach a person through a contact point of this type. */
const CHANNELS_OF: Readonly<Record<ContactType, readonly Channel[]>> = {
  email: ['email'],
  phone: ['sms', 'voice'],
};

/** The kind of contact point a channel reaches, if any (mail and portal reach none). */
export function contactTypeReaching(channel: Channel): ContactType | undefined {
  return (Object.keys(CHANNELS_OF) as ContactType[]).find((type) => CHANNELS_OF[type].includes(channel));
}

/**
 * The contact points a decision considers: the one asked about, or else the subject's linked contacts of the kind
 * the channel reaches. The check, the scrub, receipts and the precomputed decisions all choose them here.
 */
export function contactsToConsider(channel: Channel, contactKey: string | undefined, subject: SubjectView | undefined): string[] {
  if (contactKey) return [contactKey];
  const wanted = contactTypeReaching(channel);
  return subject && wanted ? linkedContacts(subject).filter((c) => c.type === wanted).map((c) => c.contactKey) : [];
}

/** Whether `evaluate` reads the tenant's settings for this question (fundraising: H10's notice statement). */
export function readsTenantSettings(request: Pick<EligibilityRequest, 'purpose' | 'communication'>): boolean {
  return classify(request.communication ?? { purpose: request.purpose }).requires === 'no-opt-out';
}

function collect(evidence: Set<string>, ...facts: (FactView | FactView['evidence'] | null | undefined)[]): void {
  for (const f of facts) {
    if (!f) continue;
    const ev = 'eventId' in f ? f : f.evidence;
    if (ev) evidence.add(ev.eventId);
  }
}

function subjectKnown(subject: SubjectView | undefined, knownAtMs: number): boolean {
  if (!subject || !subject.exists) return false;
  // Any one fact recorded by knownAt will do; asked without building a list of them (every line of a scrub asks).
  const known = (f: RecordedView | null) => f !== null && instantMs(f.recordedAt) <= knownAtMs;
  return subject.authorizations.some((a) => known(a) || known(a.revocation) || known(a.revocationRequest) || known(a.expiry)
      || known(a.invalidation) || a.copies.some(known))
    || subject.esignConsents.some(known) || subject.preferences.some(known) || subject.contacts.some(known);
}

function hasText(value: string | null | undefined): boolean {
  return typeof value === 'string' && value.trim().length > 0;
}

interface LayerResult {
  basis: Reason | null;
  denials: Reason[];
  authorization: AuthorizationView | null;
}

/** Layer 1 for purposes that need an authorization (H1, H3, H4, H9, H13). */
function authorizationLayer(
  cls: Classification,
  channel: Channel,
  authorizations: AuthorizationView[],
  subjectIsKnown: boolean,
  asOf: string,
  knownAt: string,
  evidence: Set<string>,
): LayerResult {
  const purpose = cls.purpose;
  // H3: with third-party remuneration, only an authorization stating it covers the communication.
  const paid = cls.remuneration !== 'none';
  const discloses = (a: AuthorizationView) => !paid || (a.remuneration.involved && hasText(a.remuneration.statement));
  const names = (a: AuthorizationView) => namesPurpose(a, purpose);
  const active = authorizations.filter((a) => isAuthorizationActive(a, asOf, knownAt));
  const covering = active.find((a) => names(a) && a.channels.includes(channel) && discloses(a));
  if (covering) {
    collect(evidence, covering);
    return { basis: reasons.authorized(purpose), denials: [], authorization: covering };
  }

  const denials: Reason[] = [reasons.noAuthorization(purpose)];
  if (!subjectIsKnown) denials.push(reasons.unknownSubject(purpose));
  const add = (r: Reason) => {
    if (!denials.some((d) => d.code === r.code)) denials.push(r);
  };
  for (const a of authorizations) {
    if (!names(a)) continue;
    const status = authorizationStatusAt(a, asOf, knownAt);
    if (status === 'revoked' || status === 'expired' || status === 'invalidated') {
      add(status === 'revoked' ? reasons.revoked() : status === 'expired' ? reasons.expired() : reasons.invalidated());
      collect(evidence, a, authorizationEnd(a, knownAt)?.fact);
    }
  }
  if (active.length > 0 && !active.some(names)) {
    add(reasons.purposeNotCovered(purpose));
  }
  const forPurpose = active.filter(names);
  if (forPurpose.length > 0 && !forPurpose.some((a) => a.channels.includes(channel))) {
    add(reasons.channelNotCovered(channel));
    forPurpose.forEach((a) => collect(evidence, a));
  }
  const forChannel = forPurpose.filter((a) => a.channels.includes(channel));
  if (forChannel.length > 0 && !forChannel.some(discloses)) {
    add(reasons.remunerationNotDisclosed());
    forChannel.forEach((a) => collect(evidence, a));
  }
  return { basis: null, denials, authorization: null };
}

/** An authorization names the purpose, and may cover it: a Part 2 TPO consent never covers marketing (P2). */
function namesPurpose(a: AuthorizationView, purpose: Purpose): boolean {
  return a.purposes.includes(purpose) && part2MayCover(a, purpose);
}

/**
 * Eligibility: may this communication reach this person on this channel at `asOf`, as the ledger
 * knew it at `knownAt`? Pure; the live check, the scrub, time travel and the tests all use it.
 *
 * A fact counts only if recorded by `knownAt` and, for its effect, effective by `asOf`. Three
 * layers may deny (compliance.md): the HIPAA basis, then the subject's and the contact points'
 * opt-outs and suppressions, which beat any authorization.
 */
/** `subject` is undefined when the question names no subject (an address alone), else the subject's state. */
export function evaluate(
  subject: SubjectView | undefined,
  contacts: readonly ContactView[],
  request: EligibilityRequest,
  asOf: string,
  knownAt: string,
  tenant?: TenantState,
): Decision {
  const cls = classify(request.communication ?? { purpose: request.purpose });
  const { purpose } = cls;
  const channel = request.channel;
  const knownAtMs = instantMs(knownAt);
  const evidence = new Set<string>();
  const authorizations = (subject?.authorizations ?? []).filter((a) => instantMs(a.recordedAt) <= knownAtMs);

  // Layer 1: the HIPAA basis.
  let layer: LayerResult;
  if (cls.marketingException) {
    // H1: a declared exception is the basis; the opt-outs below still apply.
    layer = { basis: reasons.marketingException(cls.marketingException), denials: [], authorization: null };
  } else if (cls.requires === 'authorization') {
    // UNKNOWN_SUBJECT speaks of a subject that was named; a question about an address alone names none.
    const known = subject === undefined || subjectKnown(subject, knownAtMs);
    layer = authorizationLayer(cls, channel, authorizations, known, asOf, knownAt, evidence);
  } else if (cls.requires === 'no-opt-out') {
    // H10, 164.514(f): fundraising without authorization only under the notice's statement.
    const fact = settingsFactAt(tenant, asOf, knownAt);
    collect(evidence, fact);
    layer = fact?.settings.fundraisingStatementInNotice
      ? { basis: reasons.fundraisingAllowed(), denials: [], authorization: null }
      : { basis: null, denials: [reasons.fundraisingNotInNotice()], authorization: null };
  } else {
    const basis =
      cls.exemptBasis === 'REFILL_REMINDER_EXEMPT'
        ? reasons.refillReminderExempt()
        : cls.exemptBasis === 'OPERATIONS_EXEMPT'
          ? reasons.operationsExempt()
          : reasons.treatmentExempt();
    layer = { basis, denials: [], authorization: null };
  }
  const denials = [...layer.denials];

  // P2, 42 CFR 2.31: Part 2 records need a Part 2 consent in addition to any HIPAA basis.
  if (request.usesPart2Data) {
    const part2 = authorizations.find((a) => isPart2Consent(a) && namesPurpose(a, purpose) && isAuthorizationActive(a, asOf, knownAt));
    if (part2) collect(evidence, part2);
    else denials.push(reasons.part2ConsentRequired(purpose));
  }

  // Layers 2 and 3: opt-outs. Only the derived purpose or '*' stops a message (C4); per key the
  // latest fact by effectiveAt decides (C7).
  const covers = (key: Parameters<typeof keyCovers>[0]) => keyCovers(key, purpose, channel);
  if (subject) {
    const optOuts = optOutsInForce(subject.preferences, covers, asOf, knownAt);
    if (optOuts.length > 0) {
      denials.push(reasons.optedOut(purpose, channel));
      collect(evidence, ...optOuts);
    }
  }
  let contactOptedOut = false;
  let contactUndeliverable = false;
  for (const contact of contacts) {
    if (!contact.type || !CHANNELS_OF[contact.type].includes(channel)) continue;
    const bounced = undeliverableFacts(contact, asOf, knownAt);
    if (bounced.length > 0) {
      // A bounce speaks alone for its contact, whatever purpose; no opt-in lifts it.
      contactUndeliverable = true;
      collect(evidence, ...bounced);
      continue;
    }
    const optOuts = optOutsInForce(contactChoices(contact), covers, asOf, knownAt);
    if (optOuts.length > 0) {
      contactOptedOut = true;
      collect(evidence, ...optOuts);
    }
  }
  if (contactOptedOut) denials.push(reasons.contactOptedOut(purpose, channel));
  if (contactUndeliverable) denials.push(reasons.contactUndeliverable());

  const allow = denials.length === 0 && layer.basis !== null;
  const auth = layer.authorization;
  const decision: Decision = {
    decision: allow ? 'ALLOW' : 'DENY',
    purpose,
    requires: cls.requires,
    reasons: allow ? [layer.basis as Reason] : denials,
    basis:
      allow && auth
        ? { authorizationId: auth.authorizationId, signedAt: auth.signature.signedAt, expiresAt: auth.expiresAt }
        : null,
    evidence: [...evidence],
    asOf,
    knownAt,
    policyVersion: policyVersionAt(asOf).version,
    underAuthorization: false,
  };
  decision.underAuthorization = isUnderAuthorization(decision);
  // P3: each disclosure made under a Part 2 consent carries the redisclosure notice.
  if (allow && request.usesPart2Data) decision.redisclosureNotice = PART2_REDISCLOSURE_NOTICE;
  return decision;
}

/**
 * `evaluate` for a subject (undefined when the question names only an address) or an address, choosing the contact
 * points to consider (`contactsToConsider`) among the views given: what the check, the scrub and the precomputed
 * answers all ask.
 */
export function evaluateConsidering(
  subject: SubjectView | undefined,
  contactKey: string | undefined,
  contacts: ReadonlyMap<string, ContactView>,
  request: EligibilityRequest,
  asOf: string,
  knownAt: string,
  tenant?: TenantState,
): Decision {
  const considered = contactsToConsider(request.channel, contactKey, subject)
    .map((key) => contacts.get(key))
    .filter((c): c is ContactView => c !== undefined);
  return evaluate(subject, considered, request, asOf, knownAt, tenant);
}
