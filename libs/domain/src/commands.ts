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
  } | null;
  /** 164.508(b)(3): bundled with another document (e.g. a treatment consent). */
  compound?: boolean;
  /** 164.508(b)(4): care conditioned on signing. */
  conditioned?: boolean;
  documentSha256?: string | null;
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
  source: PreferenceSource;
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

export type SubjectCommand =
  | GrantAuthorization
  | RevokeAuthorization
  | ExpireAuthorization
  | RecordExpirationEvent
  | SetPreference
  | LinkContact
  | UnlinkContact;

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

export type ContactCommand = OptOutContact | OptInContact;

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
