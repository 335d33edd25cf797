import type { Part2TpoExpiry } from './part2';
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

// ---- subject commands ----------------------------------------------------------------------

/**
 * POST /v1/subjects/{subjectId}/authorizations. Element fields are optional in the type because
 * an absent element is a completeness defect (422), not a shape error: the decider names it.
 */
export interface GrantAuthorization {
  type: 'GrantAuthorization';
  subjectId: string;
  /** A client id; `context.newId()` otherwise. */
  authorizationId?: string;
  formId?: string;
  formVersion?: string;
  purposes?: Purpose[];
  channels?: Channel[];
  informationDescription?: string;
  disclosers?: string[];
  recipients?: string[];
  purposeStatement?: string;
  expiresAt?: string | null;
  /** A date (YYYY-MM-DD), fixed at intake to the end of that day in the tenant's zone (H13). */
  expiresOn?: string | null;
  expirationEvent?: string | null;
  /** Absent means `{ involved: false }` (H3). */
  remuneration?: { involved: boolean; statement?: string | null } | null;
  statements?: { rightToRevoke?: boolean; noConditioning?: boolean; redisclosure?: boolean } | null;
  signature?: {
    signerName?: string;
    signedAt?: string;
    signerRole?: SignerRole;
    representativeAuthority?: string | null;
    method?: SignatureMethod;
    /** Base64 image or scan; only its presence reaches the event. */
    image?: string | null;
    /** E1: the act adopted with intent to sign; derived from `method` when absent. */
    intentAct?: IntentAct;
    /** E3: attribution (portal session, method, IP, user agent). */
    authentication?: {
      method?: string;
      ip?: string | null;
      userAgent?: string | null;
      sessionId?: string | null;
    } | null;
  } | null;
  /**
   * P1: Part 2 terms of a `part2-consent` form. `tpo` marks a treatment/payment/operations consent, which alone
   * may take `expiry` `none` or `end-of-treatment` (the latter ends at the expiration event `end-of-treatment`).
   */
  part2?: { tpo?: boolean; expiry?: Part2TpoExpiry | null } | null;
  /** 164.508(b)(3): bundled with another document (e.g. a treatment consent). */
  compound?: boolean;
  /** 164.508(b)(4): care conditioned on signing. */
  conditioned?: boolean;
  documentSha256?: string | null;
  /** E4: the ledger's compact JWS (ES256) over `{authorizationId, documentSha256, signedAt}`. */
  documentSignature?: string | null;
}

export interface RevokeAuthorization {
  type: 'RevokeAuthorization';
  authorizationId: string;
  receivedVia: RevocationChannel;
  receivedAt: string;
  note?: string | null;
}

/** Sent by the scheduler at `expiresAt`; safe to repeat. */
export interface ExpireAuthorization {
  type: 'ExpireAuthorization';
  authorizationId: string;
}

/** An expiration event (e.g. `study-123-closed`) occurred for this subject. */
export interface RecordExpirationEvent {
  type: 'RecordExpirationEvent';
  event: string;
  occurredAt: string;
}

export interface SetPreference {
  type: 'SetPreference';
  purpose: PurposeScope;
  channel: ChannelScope;
  choice: PreferenceChoice;
  /** A bulk import may record opt-outs; its opt-in cannot lift an opt-out in force (H10, C6). */
  source: PreferenceSource | NonSubjectPreferenceSource;
  /** Default: `context.now`. */
  effectiveAt?: string;
}

export interface LinkContact {
  type: 'LinkContact';
  contactType: ContactType;
  /** The normalised value (normaliseEmail / normalisePhone). */
  value: string;
  contactKey: string;
  effectiveAt?: string;
}

export interface UnlinkContact {
  type: 'UnlinkContact';
  contactKey: string;
  effectiveAt?: string;
}

/** H7: the individual was given a copy of the authorization (164.508(c)(4)). */
export interface RecordCopyProvided {
  type: 'RecordCopyProvided';
  authorizationId: string;
  method: CopyMethod;
  /** Default: `context.now`. */
  providedAt?: string;
}

/** E2: consent to electronic records, after the required disclosures, showing the person can open the format. */
export interface GiveEsignConsent {
  type: 'GiveEsignConsent';
  disclosureVersion: string;
  demonstratedAccess: boolean;
  givenAt?: string;
}

export interface WithdrawEsignConsent {
  type: 'WithdrawEsignConsent';
  withdrawnAt?: string;
}

/** H8: a defect discovered after intake. */
export interface InvalidateAuthorization {
  type: 'InvalidateAuthorization';
  authorizationId: string;
  defect: AuthorizationDefect;
  /** Default: `context.now`. */
  discoveredAt?: string;
}

/** DELETE /v1/subjects/{id}: refused while a retention hold applies (H11). */
export interface EraseSubject {
  type: 'EraseSubject';
  subjectId?: string;
}

export type SubjectCommand =
  | GrantAuthorization
  | RevokeAuthorization
  | ExpireAuthorization
  | RecordExpirationEvent
  | SetPreference
  | LinkContact
  | UnlinkContact
  | RecordCopyProvided
  | GiveEsignConsent
  | WithdrawEsignConsent
  | InvalidateAuthorization
  | EraseSubject;

// ---- contact commands ----------------------------------------------------------------------

export interface OptOutContact {
  type: 'OptOutContact';
  contactType: ContactType;
  /** The normalised value; never stored in contact events (the key stands for it). */
  value?: string;
  contactKey: string;
  purpose: PurposeScope;
  channel: ChannelScope;
  source: OptOutSource;
  /** When the person acted; default `context.now`. */
  occurredAt?: string;
}

export interface OptInContact {
  type: 'OptInContact';
  contactType: ContactType;
  value?: string;
  contactKey: string;
  purpose: PurposeScope;
  channel: ChannelScope;
  source: OptInSource;
  occurredAt?: string;
}

/** POST /v1/inbound/sms, on the stream of the sending number (T1-T3). */
export interface RecordInboundSms {
  type: 'RecordInboundSms';
  /** The sending number in E.164; only its key reaches the contact stream. */
  from: string;
  /** contactKeyOf(from). */
  contactKey: string;
  body: string;
  /** Default: `context.now`. Decides the policy version (T3). */
  receivedAt?: string;
  /** The kind of message replied to; without it a STOP covers marketing texts (until the revoke-all date). */
  inReplyTo?: { purpose: Purpose } | null;
}

/** T1: a reviewer decides what a text that merely contained a revocation word meant. */
export interface ResolveSmsReview {
  type: 'ResolveSmsReview';
  reviewId: string;
  outcome: SmsReviewOutcome;
  resolvedAt?: string;
}

export type ContactCommand = OptOutContact | OptInContact | RecordInboundSms | ResolveSmsReview;

// ---- tenant commands -----------------------------------------------------------------------

/** PUT /v1/tenant/settings: replaces every setting; absent fields take their defaults. */
export interface ChangeTenantSettings {
  type: 'ChangeTenantSettings';
  timeZone?: string;
  fundraisingStatementInNotice?: boolean;
  retentionYears?: number;
  effectiveAt?: string;
}

export type TenantCommand = ChangeTenantSettings;

export type LedgerCommand = SubjectCommand | ContactCommand | TenantCommand;
