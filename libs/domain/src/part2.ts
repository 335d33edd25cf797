import type { AuthorizationElement } from './errors';
import type { Purpose } from './vocabulary';

/**
 * 42 CFR Part 2 (2024 rule; compliance date 2026-02-16): consents for substance-use-disorder records.
 * An authorization whose `formId` is `part2-consent` is a Part 2 consent (P1); `part2.tpo` marks a consent for
 * treatment, payment and health care operations (P1, P2).
 */
export const PART2_CONSENT_FORM_ID = 'part2-consent';

/** The purposes a Part 2 TPO consent may name (42 CFR 2.31(a)(5)(ii)); marketing is never one of them (P2). */
export const PART2_TPO_PURPOSES: readonly Purpose[] = ['treatment', 'payment', 'operations'];

/** P1, 42 CFR 2.31(a)(8): "end of the treatment" or "none" is a sufficient expiry for a TPO consent only. */
export const PART2_TPO_EXPIRIES = ['none', 'end-of-treatment'] as const;
export type Part2TpoExpiry = (typeof PART2_TPO_EXPIRIES)[number];

/** The expiration event an `end-of-treatment` expiry stands for (recorded with RecordExpirationEvent). */
export const END_OF_TREATMENT_EVENT = 'end-of-treatment';

/** As granted: whether the consent is a TPO consent, and its TPO-only expiry if it has one. */
export interface Part2Terms {
  tpo: boolean;
  expiry: Part2TpoExpiry | null;
}

/**
 * P3, 42 CFR 2.32(a)(1) (2024 rule), Statement 1: the notice that accompanies each disclosure made with the
 * patient's written consent. Events about Part 2 consents, and ALLOW decisions that use Part 2 data, carry it.
 */
export const PART2_REDISCLOSURE_NOTICE =
  'This record which has been disclosed to you is protected by Federal confidentiality rules (42 CFR part 2). ' +
  'These rules prohibit you from using or disclosing this record, or testimony that describes the information ' +
  'contained in this record, in any civil, criminal, administrative, or legislative proceedings by any Federal, ' +
  'State, or local authority, against the patient, unless authorized by the consent of the patient, except as ' +
  'provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. In addition, ' +
  'the Federal rules prohibit you from making any other use or disclosure of this record unless at least one of ' +
  'the following applies: Further use or disclosure is expressly permitted by the written consent of the ' +
  'individual whose information is being disclosed in this record or as otherwise permitted by 42 CFR part 2. ' +
  'You are a covered entity or business associate and have received the record for treatment, payment, or ' +
  'health care operations, or You have received the record from an individual or entity that is a covered ' +
  'entity or business associate and it has been disclosed to you for treatment, payment, or health care ' +
  'operations. A general authorization for the release of medical or other information is not sufficient to ' +
  'meet the required elements of written consent to further use or redisclose the record (see 42 CFR 2.31).';

/** 42 CFR 2.32(a)(2), Statement 2: the abbreviated notice, for space-limited media. */
export const PART2_REDISCLOSURE_NOTICE_SHORT = '42 CFR part 2 prohibits unauthorized use or disclosure of these records.';

/** The paragraph of 42 CFR 2.31(a) each element of a Part 2 consent comes from (P1). */
export const PART2_ELEMENT_RULES: Readonly<Partial<Record<AuthorizationElement, string>>> = {
  signature: '42 CFR 2.31(a)(1), (a)(9)',
  disclosers: '42 CFR 2.31(a)(2)',
  informationDescription: '42 CFR 2.31(a)(3)',
  recipients: '42 CFR 2.31(a)(4)',
  purposes: '42 CFR 2.31(a)(5)',
  purposeStatement: '42 CFR 2.31(a)(5)',
  'statements.rightToRevoke': '42 CFR 2.31(a)(6)',
  'statements.noConditioning': '42 CFR 2.31(a)(7)',
  expiration: '42 CFR 2.31(a)(8)',
  representativeAuthority: '42 CFR 2.31(a)(9)',
  signedAt: '42 CFR 2.31(a)(10)',
  'statements.redisclosure': '42 CFR 2.32',
};

export function isPart2Consent(record: { formId?: string | null }): boolean {
  return record.formId === PART2_CONSENT_FORM_ID;
}

export function isPart2TpoConsent(record: { formId?: string | null; part2?: Pick<Part2Terms, 'tpo'> | null }): boolean {
  return isPart2Consent(record) && record.part2?.tpo === true;
}

/**
 * P2, 42 CFR 2.31(a)(5)(ii): a Part 2 TPO consent covers treatment, payment and operations only, so never
 * marketing. The one place this is decided: the grant refuses such a consent, evaluation never counts one.
 */
export function part2MayCover(record: { formId?: string | null; part2?: Pick<Part2Terms, 'tpo'> | null }, purpose: Purpose): boolean {
  return !isPart2TpoConsent(record) || PART2_TPO_PURPOSES.includes(purpose);
}

/** `{ redisclosureNotice }` for events about a Part 2 consent (P3), nothing otherwise. */
export function part2Notice(record: { formId?: string | null }): { redisclosureNotice?: string } {
  return isPart2Consent(record) ? { redisclosureNotice: PART2_REDISCLOSURE_NOTICE } : {};
}
