import type {
  Channel,
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
}

export interface AuthorizationGranted {
  type: 'AuthorizationGranted';
  /** effectiveAt = signature.signedAt. */
  data: AuthorizationTerms & Timed;
}

export interface AuthorizationRevoked {
  type: 'AuthorizationRevoked';
  /** effectiveAt = receivedAt (45 CFR 164.508(b)(5)). */
  data: { authorizationId: string; receivedVia: RevocationChannel; note: string | null } & Timed;
}

/** H9: an oral request; the authorization stays active, awaiting a written revocation. */
export interface AuthorizationRevocationRequested {
  type: 'AuthorizationRevocationRequested';
  data: { authorizationId: string; receivedVia: RevocationChannel; note: string | null } & Timed;
}

export interface AuthorizationExpired {
  type: 'AuthorizationExpired';
  /** effectiveAt = the expiry instant (date) or the expiration event's occurredAt (H13). */
  data: { authorizationId: string; reason: 'date' | 'event'; expirationEvent: string | null } & Timed;
}

export interface PreferenceSet {
  type: 'PreferenceSet';
  data: {
    purpose: PurposeScope;
    channel: ChannelScope;
    choice: PreferenceChoice;
    source: PreferenceSource;
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
  | PreferenceSet
  | ContactPointLinked
  | ContactPointUnlinked;

// ---- contact stream: contact-{tenantId}-{contactKey} ---------------------------------------

export interface ContactOptedOut {
  type: 'ContactOptedOut';
  data: {
    contactKey: string;
    type: ContactType;
    purpose: PurposeScope;
    channel: ChannelScope;
    source: OptOutSource;
  } & Timed;
}

export interface ContactOptedIn {
  type: 'ContactOptedIn';
  data: {
    contactKey: string;
    type: ContactType;
    purpose: PurposeScope;
    channel: ChannelScope;
    source: OptInSource;
  } & Timed;
}

/** A hard bounce: the address is undeliverable for every purpose; no opt-in lifts it. */
export interface ContactUndeliverable {
  type: 'ContactUndeliverable';
  data: { contactKey: string; type: ContactType; source: OptOutSource } & Timed;
}

export type ContactEvent = ContactOptedOut | ContactOptedIn | ContactUndeliverable;

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
