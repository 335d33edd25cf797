import type { LedgerEvent, LedgerEventType } from './events';

/**
 * Stable, versioned wire names, kept apart from the TypeScript names so that a rename in code
 * never breaks the log, the Kafka topics or their consumers.
 */
export const EVENT_WIRE_NAMES = {
  AuthorizationGranted: 'consent.authorization-granted.v1',
  AuthorizationRevoked: 'consent.authorization-revoked.v1',
  AuthorizationRevocationRequested: 'consent.authorization-revocation-requested.v1',
  AuthorizationExpired: 'consent.authorization-expired.v1',
  AuthorizationInvalidated: 'consent.authorization-invalidated.v1',
  AuthorizationCopyProvided: 'consent.authorization-copy-provided.v1',
  EsignConsentGiven: 'consent.esign-consent-given.v1',
  EsignConsentWithdrawn: 'consent.esign-consent-withdrawn.v1',
  SubjectErased: 'consent.subject-erased.v1',
  PreferenceSet: 'consent.preference-set.v1',
  ContactPointLinked: 'consent.contact-point-linked.v1',
  ContactPointUnlinked: 'consent.contact-point-unlinked.v1',
  ContactOptedOut: 'consent.contact-opted-out.v1',
  ContactOptedIn: 'consent.contact-opted-in.v1',
  ContactUndeliverable: 'consent.contact-undeliverable.v1',
  SmsReviewRequested: 'consent.sms-review-requested.v1',
  SmsReviewResolved: 'consent.sms-review-resolved.v1',
  TenantSettingsChanged: 'consent.tenant-settings-changed.v1',
} as const satisfies Record<LedgerEventType, string>;

export type WireName = (typeof EVENT_WIRE_NAMES)[LedgerEventType];

/**
 * H11 erasure: the payload fields that hold personal data (names, contact values, free text, attribution), by
 * event, as dotted paths into `data`. These are the fields a per-subject data key encrypts; every other field
 * (ids, keys, codes, times, hashes) stays readable so the skeleton still folds and its hashes still verify.
 */
export const PERSONAL_DATA_FIELDS = {
  AuthorizationGranted: [
    'informationDescription',
    'disclosers',
    'recipients',
    'purposeStatement',
    'remuneration.statement',
    'signature.signerName',
    'signature.representativeAuthority',
    'signature.authentication.ip',
    'signature.authentication.userAgent',
    'signature.authentication.sessionId',
  ],
  AuthorizationRevoked: ['note'],
  AuthorizationRevocationRequested: ['note'],
  AuthorizationExpired: [],
  AuthorizationInvalidated: [],
  AuthorizationCopyProvided: [],
  EsignConsentGiven: [],
  EsignConsentWithdrawn: [],
  SubjectErased: [],
  PreferenceSet: [],
  ContactPointLinked: ['value'],
  ContactPointUnlinked: [],
  ContactOptedOut: [],
  ContactOptedIn: [],
  ContactUndeliverable: [],
  SmsReviewRequested: ['body'],
  SmsReviewResolved: [],
  TenantSettingsChanged: [],
} as const satisfies Record<LedgerEventType, readonly string[]>;

/** The payload schema version the code writes today, per event. */
export const CURRENT_SCHEMA_VERSION = 1;

const TS_NAMES: ReadonlyMap<string, LedgerEventType> = new Map(
  (Object.entries(EVENT_WIRE_NAMES) as [LedgerEventType, string][]).map(([ts, wire]) => [wire, ts]),
);

export interface WireEvent {
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
}

export function wireNameOf(type: LedgerEventType): WireName {
  return EVENT_WIRE_NAMES[type];
}

export function toWireEvent(event: LedgerEvent): WireEvent {
  return {
    type: EVENT_WIRE_NAMES[event.type],
    schemaVersion: CURRENT_SCHEMA_VERSION,
    data: event.data as unknown as Record<string, unknown>,
  };
}

/** Lifts one payload from `version` to `version + 1`. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/** Upcasters by wire type, then by the version they read. Empty until a schema changes. */
export type UpcasterRegistry = Readonly<Record<string, Readonly<Record<number, Upcaster>>>>;

export const UPCASTERS: UpcasterRegistry = Object.freeze({});

export class UnknownEventTypeError extends Error {
  constructor(readonly wireType: string) {
    super(`unknown event type ${JSON.stringify(wireType)}`);
    this.name = 'UnknownEventTypeError';
  }
}

export class UnsupportedSchemaVersionError extends Error {
  constructor(readonly wireType: string, readonly schemaVersion: number) {
    super(`no upcaster for ${wireType} at schema version ${schemaVersion}`);
    this.name = 'UnsupportedSchemaVersionError';
  }
}

/**
 * Reads a stored or received event: maps the wire name back to the TypeScript event and lifts
 * the payload through the upcaster chain to the current schema version. Unknown wire types and
 * versions with no path to the current one throw: silently dropping an event would change a
 * consent decision.
 */
export function fromWireEvent(
  wireType: string,
  schemaVersion: number,
  data: unknown,
  upcasters: UpcasterRegistry = UPCASTERS,
): LedgerEvent {
  const type = TS_NAMES.get(wireType);
  if (!type) throw new UnknownEventTypeError(wireType);
  if (!Number.isInteger(schemaVersion) || schemaVersion > CURRENT_SCHEMA_VERSION) {
    throw new UnsupportedSchemaVersionError(wireType, schemaVersion);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new TypeError(`event data of ${wireType} is not an object`);
  }
  let payload = data as Record<string, unknown>;
  for (let version = schemaVersion; version < CURRENT_SCHEMA_VERSION; version++) {
    const upcast = upcasters[wireType]?.[version];
    if (!upcast) throw new UnsupportedSchemaVersionError(wireType, version);
    payload = upcast(payload);
  }
  return { type, data: payload } as unknown as LedgerEvent;
}
