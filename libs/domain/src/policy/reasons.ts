import type { Channel, MarketingException, Purpose } from '../vocabulary';

/** The first policy version (POLICY_VERSIONS); a decision records the version in force at its asOf (T3). */
export const POLICY_VERSION = '2025-04-11';

export const BASIS_CODES = [
  'AUTHORIZED',
  'TREATMENT_EXEMPT',
  'OPERATIONS_EXEMPT',
  'REFILL_REMINDER_EXEMPT',
  'FUNDRAISING_ALLOWED',
  'MARKETING_EXCEPTION',
] as const;
export type BasisCode = (typeof BASIS_CODES)[number];

export const DENY_CODES = [
  'NO_AUTHORIZATION',
  'UNKNOWN_SUBJECT',
  'AUTHORIZATION_REVOKED',
  'AUTHORIZATION_EXPIRED',
  'AUTHORIZATION_INVALIDATED',
  'PURPOSE_NOT_COVERED',
  'CHANNEL_NOT_COVERED',
  'REMUNERATION_NOT_DISCLOSED',
  'FUNDRAISING_NOT_IN_NOTICE',
  'PART2_CONSENT_REQUIRED',
  'OPTED_OUT',
  'CONTACT_OPTED_OUT',
  'CONTACT_UNDELIVERABLE',
] as const;
export type DenyCode = (typeof DENY_CODES)[number];

export type ReasonCode = BasisCode | DenyCode;

export interface Reason {
  code: ReasonCode;
  /** Plain words for people; never PHI. */
  message: string;
  /** The regulation the reason rests on. */
  rule: string;
  /** The rule's id in compliance.md (H1, C4, T1, P2, ...). */
  ruleId: string;
}

function authorizationRule(purpose: Purpose): { rule: string; ruleId: string } {
  // H1: marketing needs an authorization (164.508(a)(3)); research uses the general rule (a)(1).
  return purpose === 'marketing'
    ? { rule: '45 CFR 164.508(a)(3)', ruleId: 'H1' }
    : { rule: '45 CFR 164.508(a)(1)', ruleId: 'H1' };
}

/** Which law an opt-out on this purpose and channel answers to (the three layers of compliance.md). */
function optOutRule(purpose: Purpose, channel: Channel): { rule: string; ruleId: string } {
  if (purpose === 'fundraising') return { rule: '45 CFR 164.514(f)(2)(iv)', ruleId: 'H10' };
  if (channel === 'email') return { rule: '15 U.S.C. 7704(a)(4)', ruleId: purpose === 'marketing' ? 'C1' : 'C4' };
  if (channel === 'sms' || channel === 'voice') return { rule: '47 CFR 64.1200(a)(10)', ruleId: 'T1' };
  return { rule: 'an opt-out always beats an authorization (compliance.md, three layers)', ruleId: 'L3' };
}

export const reasons = {
  authorized: (purpose: Purpose): Reason => ({
    code: 'AUTHORIZED',
    message: `an active authorization covers ${purpose} on this channel`,
    ...authorizationRule(purpose),
  }),
  treatmentExempt: (): Reason => ({
    code: 'TREATMENT_EXEMPT',
    message: 'treatment communications need no authorization',
    rule: '45 CFR 164.506(c)',
    ruleId: 'H2',
  }),
  operationsExempt: (): Reason => ({
    code: 'OPERATIONS_EXEMPT',
    message: 'payment and health care operations communications need no authorization',
    rule: '45 CFR 164.506(c)',
    ruleId: 'H2',
  }),
  refillReminderExempt: (): Reason => ({
    code: 'REFILL_REMINDER_EXEMPT',
    message: 'a refill reminder paid at most at cost is not marketing',
    rule: '45 CFR 164.501',
    ruleId: 'H2',
  }),
  fundraisingAllowed: (): Reason => ({
    code: 'FUNDRAISING_ALLOWED',
    message: "the tenant's notice of privacy practices carries the fundraising statement",
    rule: '45 CFR 164.514(f)',
    ruleId: 'H10',
  }),
  fundraisingNotInNotice: (): Reason => ({
    code: 'FUNDRAISING_NOT_IN_NOTICE',
    message: "the tenant's notice of privacy practices does not carry the fundraising statement",
    rule: '45 CFR 164.514(f)(2)(i)',
    ruleId: 'H10',
  }),
  noAuthorization: (purpose: Purpose): Reason => ({
    code: 'NO_AUTHORIZATION',
    message: `${purpose} needs an authorization and none in force covers this communication`,
    ...authorizationRule(purpose),
  }),
  unknownSubject: (purpose: Purpose): Reason => ({
    code: 'UNKNOWN_SUBJECT',
    message: 'the ledger holds no event for this subject',
    ...authorizationRule(purpose),
  }),
  revoked: (): Reason => ({
    code: 'AUTHORIZATION_REVOKED',
    message: 'an authorization for this purpose was revoked before this time',
    rule: '45 CFR 164.508(b)(5)',
    ruleId: 'H9',
  }),
  marketingException: (exception: MarketingException): Reason => ({
    code: 'MARKETING_EXCEPTION',
    message:
      exception === 'face-to-face'
        ? 'a face-to-face marketing communication needs no authorization (declared by the caller)'
        : 'a promotional gift of nominal value needs no authorization (declared by the caller)',
    rule: exception === 'face-to-face' ? '45 CFR 164.508(a)(3)(i)(A)' : '45 CFR 164.508(a)(3)(i)(B)',
    ruleId: 'H1',
  }),
  invalidated: (): Reason => ({
    code: 'AUTHORIZATION_INVALIDATED',
    message: 'an authorization for this purpose was found defective before this time',
    rule: '45 CFR 164.508(b)(2)',
    ruleId: 'H8',
  }),
  expired: (): Reason => ({
    code: 'AUTHORIZATION_EXPIRED',
    message: 'an authorization for this purpose expired before this time',
    rule: '45 CFR 164.508(c)(1)(v)',
    ruleId: 'H13',
  }),
  purposeNotCovered: (purpose: Purpose): Reason => ({
    code: 'PURPOSE_NOT_COVERED',
    message: `no authorization in force names the purpose ${purpose}`,
    rule: '45 CFR 164.508(c)(1)(iv)',
    ruleId: 'H4',
  }),
  channelNotCovered: (channel: Channel): Reason => ({
    code: 'CHANNEL_NOT_COVERED',
    message: `the authorization in force for this purpose does not cover the channel ${channel}`,
    rule: '45 CFR 164.508(a)(1)',
    ruleId: 'H1',
  }),
  remunerationNotDisclosed: (): Reason => ({
    code: 'REMUNERATION_NOT_DISCLOSED',
    message: 'a third party pays for this communication and the authorization does not state remuneration',
    rule: '45 CFR 164.508(a)(3)(ii)',
    ruleId: 'H3',
  }),
  part2ConsentRequired: (purpose: Purpose): Reason => ({
    code: 'PART2_CONSENT_REQUIRED',
    message: `the communication uses Part 2 records and no Part 2 consent in force covers ${purpose}`,
    rule: '42 CFR 2.31',
    ruleId: 'P2',
  }),
  optedOut: (purpose: Purpose, channel: Channel): Reason => ({
    code: 'OPTED_OUT',
    message: `the subject opted out of ${purpose} on ${channel}`,
    ...optOutRule(purpose, channel),
  }),
  contactOptedOut: (purpose: Purpose, channel: Channel): Reason => ({
    code: 'CONTACT_OPTED_OUT',
    message: `the contact point opted out of ${purpose} on ${channel}`,
    ...optOutRule(purpose, channel),
  }),
  contactUndeliverable: (): Reason => ({
    code: 'CONTACT_UNDELIVERABLE',
    message: 'the contact point is undeliverable (hard bounce)',
    rule: 'an undeliverable address is suppressed for every purpose (compliance.md, three layers)',
    ruleId: 'L3',
  }),
};
