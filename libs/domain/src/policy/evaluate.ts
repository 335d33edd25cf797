import type { ContactState } from '../contact';
import { contactChoices, undeliverableFacts } from '../contact';
import type { Evidence } from '../events';
import { keyCovers, optOutsInForce } from '../opt-outs';
import {
  authorizationEnd,
  authorizationStatusAt,
  isAuthorizationActive,
  type AuthorizationRecord,
  type Fact,
  type SubjectState,
} from '../subject';
import { settingsFactAt, type TenantState } from '../tenant';
import { instantMs } from '../time';
import type { Channel, CommunicationCategory, ContactType, Purpose, Remuneration } from '../vocabulary';
import { classify, type Classification, type Requirement } from './classify';
import { POLICY_VERSION, reasons, type Reason } from './reasons';

/** The form of a Part 2 consent (42 CFR 2.31). */
export const PART2_CONSENT_FORM_ID = 'part2-consent';

export interface EligibilityRequest {
  channel: Channel;
  purpose?: Purpose;
  communication?: { category: CommunicationCategory; thirdPartyRemuneration?: Remuneration | boolean };
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
  policyVersion: string;
}

/** Which channels reach a person through a contact point of this type. */
const CHANNELS_OF: Readonly<Record<ContactType, readonly Channel[]>> = {
  email: ['email'],
  phone: ['sms', 'voice'],
};

function collect(evidence: Set<string>, ...facts: (Fact | Evidence | null | undefined)[]): void {
  for (const f of facts) {
    if (!f) continue;
    const ev = 'eventId' in f ? f : f.evidence;
    if (ev) evidence.add(ev.eventId);
  }
}

function subjectKnown(subject: SubjectState | undefined, knownAtMs: number): boolean {
  if (!subject || !subject.exists) return false;
  const facts: (Fact | null)[] = [
    ...subject.authorizations.flatMap((a) => [a, a.revocation, a.revocationRequest, a.expiry]),
    ...subject.preferences,
    ...subject.contacts,
  ];
  return facts.some((f) => f !== null && instantMs(f.recordedAt) <= knownAtMs);
}

function hasText(value: string | null | undefined): boolean {
  return typeof value === 'string' && value.trim().length > 0;
}

interface LayerResult {
  basis: Reason | null;
  denials: Reason[];
  authorization: AuthorizationRecord | null;
}

/** Layer 1 for purposes that need an authorization (H1, H3, H4, H9, H13). */
function authorizationLayer(
  cls: Classification,
  channel: Channel,
  authorizations: AuthorizationRecord[],
  subjectIsKnown: boolean,
  asOf: string,
  knownAt: string,
  evidence: Set<string>,
): LayerResult {
  const purpose = cls.purpose;
  // H3: with third-party remuneration, only an authorization stating it covers the communication.
  const paid = cls.remuneration !== 'none';
  const discloses = (a: AuthorizationRecord) => !paid || (a.remuneration.involved && hasText(a.remuneration.statement));
  const active = authorizations.filter((a) => isAuthorizationActive(a, asOf, knownAt));
  const covering = active.find((a) => a.purposes.includes(purpose) && a.channels.includes(channel) && discloses(a));
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
    if (!a.purposes.includes(purpose)) continue;
    const status = authorizationStatusAt(a, asOf, knownAt);
    if (status === 'revoked' || status === 'expired') {
      add(status === 'revoked' ? reasons.revoked() : reasons.expired());
      collect(evidence, a, authorizationEnd(a, knownAt)?.fact);
    }
  }
  if (active.length > 0 && !active.some((a) => a.purposes.includes(purpose))) {
    add(reasons.purposeNotCovered(purpose));
  }
  const forPurpose = active.filter((a) => a.purposes.includes(purpose));
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

/**
 * Eligibility: may this communication reach this person on this channel at `asOf`, as the ledger
 * knew it at `knownAt`? Pure; the live check, the scrub, time travel and the tests all use it.
 *
 * A fact counts only if recorded by `knownAt` and, for its effect, effective by `asOf`. Three
 * layers may deny (compliance.md): the HIPAA basis, then the subject's and the contact points'
 * opt-outs and suppressions, which beat any authorization.
 */
export function evaluate(
  subject: SubjectState | undefined,
  contacts: readonly ContactState[],
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
  if (cls.requires === 'authorization') {
    layer = authorizationLayer(cls, channel, authorizations, subjectKnown(subject, knownAtMs), asOf, knownAt, evidence);
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
    const part2 = authorizations.find(
      (a) => a.formId === PART2_CONSENT_FORM_ID && a.purposes.includes(purpose) && isAuthorizationActive(a, asOf, knownAt),
    );
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
  return {
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
    policyVersion: POLICY_VERSION,
  };
}
