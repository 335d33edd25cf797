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

export const CONTACT_TYPES = ['email', 'phone'] as const;
export type ContactType = (typeof CONTACT_TYPES)[number];

/** Narrowing helper for the tuples above. */
export function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}
