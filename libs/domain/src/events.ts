import type { Part2Terms } from './part2';
import type {
  AuthorizationDefect,
  Channel,
  CopyMethod,
  IntentAct,
  NonSubjectPreferenceSource,
  ChannelScope,
  ContactType,
  OptInSource,
  OptOutSource,
  PreferenceChoice,
  PreferenceSource,
  Purpose,
  PurposeScope,
  RevocationChannel,
  SignatureMethod,
  SignerRole,
  SmsReviewOutcome,
} from './vocabulary';

/**
 * Every event carries two times (compliance.md, "Two kinds of time"): when the act took legal
 * effect, and when the ledger learned of it (the command's `context.now`).
 */
export interface Timed {
  effectiveAt: string;
  recordedAt: string;
}

// ---- subject stream: subject-{tenantId}-{subjectId} ----------------------------------------

/** The intent act of E1; the image bytes live in document storage, never in the event. */
export interface SignatureRecord {
  signerName: string;
  signedAt: string;
  signerRole: SignerRole;
  representativeAuthority: string | null;
  method: SignatureMethod;
  hasImage: boolean;
  /** E1: the act adopted with intent to sign (typed name, drawn mark, "Sign" action, wet ink). */
  intentAct?: IntentAct;
  /** E3: attribution; personal data (the IP address and user agent are erased with the subject). */
  authentication?: AuthenticationContext | null;
}

/** E3: how the signer was authenticated when they signed (portal session, method, IP, user agent). */
export interface AuthenticationContext {
  /** e.g. `portal-session`, `one-time-code`, `in-person-id`. */
  method: string;
  ip: string | null;
  userAgent: string | null;
  sessionId: string | null;
}

/** P3: events about Part 2 consents carry the redisclosure notice of 42 CFR 2.32. */
export interface Part2Noticed {
  redisclosureNotice?: string;
}

/** The elements of a valid authorization (45 CFR 164.508(c)), as granted. */
export interface AuthorizationTerms {
  authorizationId: string;
  subjectId: string;
  formId: string;
  formVersion: string;
  purposes: Purpose[];
  channels: Channel[];
  informationDescription: string;
  disclosers: string[];
  recipients: string[];
  purposeStatement: string;
  /** The instant the authorization stops (exclusive); from `expiresOn` when a date was given. */
  expiresAt: string | null;
  /** The date-only expiry as given (H13), or null. */
  expiresOn: string | null;
  expirationEvent: string | null;
  remuneration: { involved: boolean; statement: string | null };
  statements: { rightToRevoke: boolean; noConditioning: boolean; redisclosure: boolean };
  signature: SignatureRecord;
  /** SHA-256 of the exact document shown and signed (E1, E4), when rendered. */
  documentSha256?: string | null;
  /** E4: the ledger's compact JWS (ES256) over `{authorizationId, documentSha256, signedAt}`, when rendered or scanned. */
  documentSignature?: string | null;
  /** P1: present on Part 2 consents (`formId` `part2-consent`) only. */
  part2?: Part2Terms | null;
}

export interface AuthorizationGranted {
  type: 'AuthorizationGranted';
  /** effectiveAt = signature.signedAt. */
  data: AuthorizationTerms & Part2Noticed & Timed;
}

export interface AuthorizationRevoked {
  type: 'AuthorizationRevoked';
  /** effectiveAt = receivedAt (45 CFR 164.508(b)(5)). */
  data: { authorizationId: string; receivedVia: RevocationChannel; note: string | null } & Part2Noticed & Timed;
}

/** H9: an oral request; the authorization stays active, awaiting a written revocation. */
export interface AuthorizationRevocationRequested {
  type: 'AuthorizationRevocationRequested';
  data: { authorizationId: string; receivedVia: RevocationChannel; note: string | null } & Part2Noticed & Timed;
}

export interface AuthorizationExpired {
  type: 'AuthorizationExpired';
  /** effectiveAt = the expiry instant (date) or the expiration event's occurredAt (H13). */
  data: { authorizationId: string; reason: 'date' | 'event'; expirationEvent: string | null } & Part2Noticed & Timed;
}

/** H8, 164.508(b)(2): a defect discovered after intake; effective from its discovery, never before. */
export interface AuthorizationInvalidated {
  type: 'AuthorizationInvalidated';
  /** effectiveAt = discoveredAt. */
  data: { authorizationId: string; defect: AuthorizationDefect; rule: string } & Part2Noticed & Timed;
}

/** H7, 164.508(c)(4): the individual was given a copy; E2 says which way, and on what ESIGN consent. */
export interface AuthorizationCopyProvided {
  type: 'AuthorizationCopyProvided';
  /** effectiveAt = providedAt. */
  data: {
    authorizationId: string;
    method: CopyMethod;
    /** The ESIGN consent an electronic delivery rested on; null for paper. */
    esignConsent: { disclosureVersion: string; givenAt: string } | null;
  } & Part2Noticed &
    Timed;
}

/** E2, 15 U.S.C. 7001(c): consent to electronic records, given after the disclosures, access demonstrated. */
export interface EsignConsentGiven {
  type: 'EsignConsentGiven';
  /** effectiveAt = givenAt. */
  data: { disclosureVersion: string; demonstratedAccess: true } & Timed;
}

export interface EsignConsentWithdrawn {
  type: 'EsignConsentWithdrawn';
  /** effectiveAt = withdrawnAt. */
  data: { disclosureVersion: string } & Timed;
}

/**
 * H11: the subject's personal data was erased (its data key destroyed outside the domain). The event records the
 * erasure only; the events before it stay as a skeleton whose hashes still verify.
 */
export interface SubjectErased {
  type: 'SubjectErased';
  data: { subjectId: string; retentionYears: number } & Timed;
}

export interface PreferenceSet {
  type: 'PreferenceSet';
  data: {
    purpose: PurposeScope;
    channel: ChannelScope;
    choice: PreferenceChoice;
    source: PreferenceSource | NonSubjectPreferenceSource;
  } & Timed;
}

export interface ContactPointLinked {
  type: 'ContactPointLinked';
  data: { contactKey: string; type: ContactType; value: string } & Timed;
}

export interface ContactPointUnlinked {
  type: 'ContactPointUnlinked';
  data: { contactKey: string; type: ContactType } & Timed;
}

export type SubjectEvent =
  | AuthorizationGranted
  | AuthorizationRevoked
  | AuthorizationRevocationRequested
  | AuthorizationExpired
  | AuthorizationInvalidated
  | AuthorizationCopyProvided
  | EsignConsentGiven
  | EsignConsentWithdrawn
  | PreferenceSet
  | ContactPointLinked
  | ContactPointUnlinked
  | SubjectErased;

// ---- contact stream: contact-{tenantId}-{contactKey} ---------------------------------------

/** T1-T3: what an opt-out or opt-in read from an inbound text rests on. */
export interface SmsOrigin {
  /** The keyword read (`STOP`, `OPT OUT`, `START`). */
  keyword?: string;
  /** T3: the policy version that set the scope, decided by the text's receivedAt. */
  policyVersion?: string;
  /** Set when a reviewer decided the outcome of a review item. */
  reviewId?: string;
}

export interface ContactOptedOut {
  type: 'ContactOptedOut';
  data: {
    contactKey: string;
    type: ContactType;
    purpose: PurposeScope;
    channel: ChannelScope;
    source: OptOutSource;
  } & SmsOrigin &
    Timed;
}

export interface ContactOptedIn {
  type: 'ContactOptedIn';
  data: {
    contactKey: string;
    type: ContactType;
    purpose: PurposeScope;
    channel: ChannelScope;
    source: OptInSource;
  } & SmsOrigin &
    Timed;
}

/** T1: an inbound text that contains a revocation word without being one; a person decides. */
export interface SmsReviewRequested {
  type: 'SmsReviewRequested';
  /** effectiveAt = the text's receivedAt. `body` is free text: personal data. */
  data: {
    reviewId: string;
    contactKey: string;
    type: 'phone';
    body: string;
    keyword: string;
    inReplyTo: { purpose: Purpose } | null;
    policyVersion: string;
  } & Timed;
}

/** T1: a reviewer's decision; the opt-out or opt-in it implies follows it in the same append. */
export interface SmsReviewResolved {
  type: 'SmsReviewResolved';
  /** effectiveAt = resolvedAt. */
  data: { reviewId: string; contactKey: string; type: 'phone'; outcome: SmsReviewOutcome } & Timed;
}

/** A hard bounce: the address is undeliverable for every purpose; no opt-in lifts it. */
export interface ContactUndeliverable {
  type: 'ContactUndeliverable';
  data: { contactKey: string; type: ContactType; source: OptOutSource } & Timed;
}

export type ContactEvent = ContactOptedOut | ContactOptedIn | ContactUndeliverable | SmsReviewRequested | SmsReviewResolved;

// ---- tenant stream: tenant-{tenantId} ------------------------------------------------------

export interface TenantSettings {
  timeZone: string;
  /** H10: the notice of privacy practices carries the fundraising statement (164.514(f)). */
  fundraisingStatementInNotice: boolean;
  /** H11: 164.530(j) retention, at least six years. */
  retentionYears: number;
}

export const DEFAULT_TENANT_SETTINGS: Readonly<TenantSettings> = Object.freeze({
  timeZone: 'UTC',
  fundraisingStatementInNotice: false,
  retentionYears: 6,
});

export interface TenantSettingsChanged {
  type: 'TenantSettingsChanged';
  data: TenantSettings & Timed;
}

export type TenantEvent = TenantSettingsChanged;

export type LedgerEvent = SubjectEvent | ContactEvent | TenantEvent;
export type LedgerEventType = LedgerEvent['type'];

/** Where an event sits in the store: its id and global position (the evidence a fact rests on). */
export interface RecordedRef {
  id: string;
  position: string;
}

export interface Evidence {
  eventId: string;
  position: string;
}

export function evidenceOf(recorded?: RecordedRef): Evidence | null {
  return recorded ? { eventId: recorded.id, position: recorded.position } : null;
}
