/**
 * The closed vocabularies of the ledger (API.md, "Enumerations"). Each is a readonly tuple,
 * so the edge can validate against it and the domain can narrow on it.
 */

export const PURPOSES = ['treatment', 'payment', 'operations', 'marketing', 'fundraising', 'research'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const CHANNELS = ['email', 'sms', 'voice', 'mail', 'portal'] as const;
export type Channel = (typeof CHANNELS)[number];

/** A preference or suppression may name one purpose/channel or all of them ('*'). */
export type PurposeScope = Purpose | '*';
export type ChannelScope = Channel | '*';

export const CATEGORIES = [
  'appointment-reminder',
  'refill-reminder',
  'care-coordination',
  'treatment-alternatives',
  'test-results',
  'plan-benefits',
  'health-education',
  'promotion',
  'third-party-product',
  'newsletter',
  'fundraising',
  'research-recruitment',
  'survey',
] as const;
export type CommunicationCategory = (typeof CATEGORIES)[number];

export const REMUNERATIONS = ['none', 'cost-related', 'above-cost'] as const;
export type Remuneration = (typeof REMUNERATIONS)[number];

export const REVOCATION_CHANNELS = ['portal', 'mail', 'email', 'fax', 'phone', 'in-person'] as const;
export type RevocationChannel = (typeof REVOCATION_CHANNELS)[number];

/** 45 CFR 164.508(b)(5): a revocation must be in writing; these channels count as writing (H9). */
export const WRITTEN_REVOCATION_CHANNELS = ['portal', 'mail', 'email', 'fax'] as const;
export type WrittenRevocationChannel = (typeof WRITTEN_REVOCATION_CHANNELS)[number];

export const ORAL_REVOCATION_CHANNELS = ['phone', 'in-person'] as const;
export type OralRevocationChannel = (typeof ORAL_REVOCATION_CHANNELS)[number];

export const PREFERENCE_SOURCES = ['portal', 'phone', 'mail', 'sms', 'email', 'in-person'] as const;
export type PreferenceSource = (typeof PREFERENCE_SOURCES)[number];

/**
 * Sources of a subject preference that are not the person's own act (a bulk import, an ESP sync). Accepted by
 * the domain for opt-outs; an opt-in from one of them cannot lift an opt-out in force (H10, C6). Not part of
 * the API's PREFERENCE_SOURCES: every source there is a channel the person used themselves.
 */
export const NON_SUBJECT_PREFERENCE_SOURCES = ['import', 'esp-resubscribe'] as const;
export type NonSubjectPreferenceSource = (typeof NON_SUBJECT_PREFERENCE_SOURCES)[number];

export const PREFERENCE_CHOICES = ['opt-out', 'opt-in'] as const;
export type PreferenceChoice = (typeof PREFERENCE_CHOICES)[number];

export const OPT_OUT_SOURCES = [
  'one-click',
  'sms-stop',
  'esp-complaint',
  'esp-unsubscribe',
  'bounce',
  'support',
  'import',
  'preference-centre',
  'portal',
] as const;
export type OptOutSource = (typeof OPT_OUT_SOURCES)[number];

export const OPT_IN_SOURCES = [
  'preference-centre',
  'double-opt-in',
  'sms-start',
  'in-person',
  'support',
  'portal',
  'import',
  'esp-resubscribe',
] as const;
export type OptInSource = (typeof OPT_IN_SOURCES)[number];

/** C6: these opt-in sources are not the person's own act and cannot lift an opt-out. */
export const NON_SUBJECT_OPT_IN_SOURCES = ['import', 'esp-resubscribe'] as const;

export const SIGNER_ROLES = ['self', 'personal-representative'] as const;
export type SignerRole = (typeof SIGNER_ROLES)[number];

export const SIGNATURE_METHODS = ['typed', 'drawn', 'paper'] as const;
export type SignatureMethod = (typeof SIGNATURE_METHODS)[number];

/** E1: the act by which the signer adopted the signature. */
export const INTENT_ACTS = ['typed-name', 'drawn-mark', 'sign-action', 'wet-ink'] as const;
export type IntentAct = (typeof INTENT_ACTS)[number];

/** H7 / E2: how the individual's copy of an authorization was delivered. */
export const COPY_METHODS = ['email', 'portal', 'paper'] as const;
export type CopyMethod = (typeof COPY_METHODS)[number];
/** E2: these need the person's ESIGN consent to electronic records. */
export const ELECTRONIC_COPY_METHODS = ['email', 'portal'] as const;

/** H8, 45 CFR 164.508(b)(2): the defects that make an authorization invalid, one code each. */
export const AUTHORIZATION_DEFECTS = [
  'expiry-passed',
  'element-missing',
  'known-revoked',
  'compound',
  'conditioned',
  'known-false',
] as const;
export type AuthorizationDefect = (typeof AUTHORIZATION_DEFECTS)[number];

/** H1, 45 CFR 164.508(a)(3)(i): marketing that needs no authorization, when the caller declares it. */
export const MARKETING_EXCEPTIONS = ['face-to-face', 'promotional-gift-nominal-value'] as const;
export type MarketingException = (typeof MARKETING_EXCEPTIONS)[number];

/** T1: how an inbound text is read, and what a reviewer may decide about one. */
export const SMS_REVIEW_OUTCOMES = ['opt-out', 'opt-in', 'none'] as const;
export type SmsReviewOutcome = (typeof SMS_REVIEW_OUTCOMES)[number];

export const CONTACT_TYPES = ['email', 'phone'] as const;
export type ContactType = (typeof CONTACT_TYPES)[number];

/** Narrowing helper for the tuples above. */
export function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}
