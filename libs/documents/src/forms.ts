import { createHash } from 'node:crypto';
import { type AuthorizationElement, ELEMENT_RULES, ELEMENT_RULE_IDS, PART2_ELEMENT_RULES, PART2_REDISCLOSURE_NOTICE } from '@app/domain';
import { canonicalJson } from './canonical-json';

/**
 * Versioned form templates. A published version is never edited: a change is a new entry with a new `version`,
 * so a document signed on an old version always names the exact template it was rendered from
 * (`templateSha256` pins it; forms.unit.spec.ts fails when a published template changes).
 */
export type FormKind = 'authorization' | 'notice';

/** When a conditional element or statement applies. */
export type FormCondition = 'remuneration-involved' | 'personal-representative';

export interface FormElement {
  element: AuthorizationElement;
  /** The heading the element is shown under, on the page and in the PDF. */
  label: string;
  rule: string;
  /** The rule's id in compliance.md. */
  ruleId: string;
  when?: FormCondition;
}

export interface FormStatement {
  /** `statements.*` of the grant request, `remuneration.statement`, or a notice statement id. */
  id: string;
  heading: string;
  /** Plain language (164.508(c)(3)); `{disclosers}` and `{remuneration}` are filled in from the terms. */
  text: string;
  rule: string;
  ruleId: string;
  when?: FormCondition;
}

export interface FormTemplate {
  formId: string;
  version: string;
  /** The day the version was published. */
  publishedOn: string;
  kind: FormKind;
  title: string;
  introduction: string;
  regulation: string;
  elements: readonly FormElement[];
  statements: readonly FormStatement[];
}

const hipaa = (element: AuthorizationElement, label: string, when?: FormCondition): FormElement => ({
  element, label, rule: ELEMENT_RULES[element], ruleId: ELEMENT_RULE_IDS[element], ...(when ? { when } : {}),
});

const part2 = (element: AuthorizationElement, label: string, when?: FormCondition): FormElement => ({
  element, label, rule: PART2_ELEMENT_RULES[element] ?? ELEMENT_RULES[element], ruleId: 'P1', ...(when ? { when } : {}),
});

const HIPAA_MARKETING_2026_01: FormTemplate = {
  formId: 'hipaa-marketing',
  version: '2026-01',
  publishedOn: '2026-01-05',
  kind: 'authorization',
  title: 'Authorization to use my health information for marketing',
  introduction:
    'This form asks for your permission to use and share some of your health information to send you marketing ' +
    'communications. Please read it carefully. You do not have to sign it.',
  regulation: '45 CFR 164.508',
  elements: [
    hipaa('informationDescription', 'Information that may be used or shared'),
    hipaa('disclosers', 'Who may use or share it'),
    hipaa('recipients', 'Who may receive it'),
    hipaa('purposes', 'Purpose'),
    hipaa('purposeStatement', 'Why it will be used'),
    hipaa('expiration', 'When this authorization ends'),
    hipaa('signature', 'Signature of the patient or representative'),
    hipaa('signedAt', 'Date signed'),
    hipaa('representativeAuthority', 'Authority of the personal representative', 'personal-representative'),
  ],
  statements: [
    {
      id: 'remuneration.statement',
      heading: 'Payment from a third party',
      text: 'The marketing described in this form involves payment to {disclosers} from a third party. {remuneration}',
      rule: ELEMENT_RULES['remuneration.statement'],
      ruleId: 'H3',
      when: 'remuneration-involved',
    },
    {
      id: 'statements.rightToRevoke',
      heading: 'Your right to revoke',
      text:
        'You may revoke (take back) this authorization at any time by telling {disclosers} in writing: on the ' +
        'preferences page of the patient portal, by email, by fax or by mail. A revocation takes effect when it is ' +
        'received. It does not undo anything done in reliance on this authorization before then.',
      rule: ELEMENT_RULES['statements.rightToRevoke'],
      ruleId: 'H5',
    },
    {
      id: 'statements.noConditioning',
      heading: 'Your care does not depend on signing',
      text:
        'Your treatment, payment, enrollment in a health plan and eligibility for benefits do not depend on whether ' +
        'you sign this authorization.',
      rule: ELEMENT_RULES['statements.noConditioning'],
      ruleId: 'H5',
    },
    {
      id: 'statements.redisclosure',
      heading: 'Information may be shared again',
      text:
        'Information shared under this authorization may be shared again by the people who receive it, and may then ' +
        'no longer be protected by federal privacy law (HIPAA).',
      rule: ELEMENT_RULES['statements.redisclosure'],
      ruleId: 'H5',
    },
    {
      id: 'copy',
      heading: 'Your copy',
      text: 'You will receive a copy of this signed authorization.',
      rule: '45 CFR 164.508(c)(4)',
      ruleId: 'H7',
    },
  ],
};

const PART2_CONSENT_2026_02: FormTemplate = {
  formId: 'part2-consent',
  version: '2026-02',
  publishedOn: '2026-02-16',
  kind: 'authorization',
  title: 'Consent to share substance use disorder treatment records',
  introduction:
    'Records of substance use disorder treatment have extra protection under federal law (42 CFR part 2). This ' +
    'form asks for your written consent to share them as described below. You do not have to sign it.',
  regulation: '42 CFR 2.31',
  elements: [
    part2('signature', 'Name and signature of the patient or representative'),
    part2('disclosers', 'Who may share the records'),
    part2('informationDescription', 'Records that may be shared'),
    part2('recipients', 'Who may receive them'),
    part2('purposes', 'Purpose'),
    part2('purposeStatement', 'Why they will be shared'),
    part2('expiration', 'When this consent ends'),
    part2('signedAt', 'Date signed'),
    part2('representativeAuthority', 'Authority of the personal representative', 'personal-representative'),
  ],
  statements: [
    {
      id: 'statements.rightToRevoke',
      heading: 'Your right to revoke',
      text:
        'You may revoke this consent at any time, in writing, by telling {disclosers}, except where information has ' +
        'already been shared in reliance on it.',
      rule: PART2_ELEMENT_RULES['statements.rightToRevoke']!,
      ruleId: 'P1',
    },
    {
      id: 'statements.noConditioning',
      heading: 'Your care does not depend on signing',
      text:
        'Your treatment, payment, enrollment in a health plan and eligibility for benefits do not depend on whether ' +
        'you sign this consent.',
      rule: PART2_ELEMENT_RULES['statements.noConditioning']!,
      ruleId: 'P1',
    },
    {
      id: 'statements.redisclosure',
      heading: 'Notice to recipients',
      text: PART2_REDISCLOSURE_NOTICE,
      rule: PART2_ELEMENT_RULES['statements.redisclosure']!,
      ruleId: 'P3',
    },
    {
      id: 'copy',
      heading: 'Your copy',
      text: 'You will receive a copy of this signed consent.',
      rule: '45 CFR 164.508(c)(4)',
      ruleId: 'H7',
    },
  ],
};

/** H10: the fundraising statement of the notice of privacy practices and the opt-out it offers; nothing to sign. */
const FUNDRAISING_OPT_OUT_NOTICE_2026_01: FormTemplate = {
  formId: 'fundraising-opt-out-notice',
  version: '2026-01',
  publishedOn: '2026-01-05',
  kind: 'notice',
  title: 'Fundraising communications and your right to opt out',
  introduction:
    'We may contact you to raise funds for our organisation. You can choose not to receive these communications.',
  regulation: '45 CFR 164.514(f)',
  elements: [],
  statements: [
    {
      id: 'fundraising.notice',
      heading: 'Fundraising',
      text:
        '{disclosers} may use your name, address, phone number, the dates and departments of your care, your ' +
        'treating doctor, outcome information and health insurance status to contact you to raise funds.',
      rule: '45 CFR 164.520(b)(1)(iii)(A)',
      ruleId: 'H10',
    },
    {
      id: 'fundraising.optOut',
      heading: 'How to opt out',
      text:
        'You may opt out of fundraising communications at any time on the preferences page, by replying to any ' +
        'fundraising message, or by calling us. Opting out costs you nothing.',
      rule: '45 CFR 164.514(f)(2)(ii)',
      ruleId: 'H10',
    },
    {
      id: 'fundraising.noConditioning',
      heading: 'Your care does not depend on your choice',
      text: 'Your treatment and payment do not depend on whether you opt out of fundraising communications.',
      rule: '45 CFR 164.514(f)(2)(iii)',
      ruleId: 'H10',
    },
    {
      id: 'fundraising.honoured',
      heading: 'We honour your choice',
      text:
        'Once you opt out, we will not send you fundraising communications. Only you can opt back in, on the ' +
        'preferences page or in person.',
      rule: '45 CFR 164.514(f)(2)(iv), (v)',
      ruleId: 'H10',
    },
  ],
};

/** Every published version, oldest first. Append; never edit or remove an entry. */
export const PUBLISHED_FORMS: readonly FormTemplate[] = Object.freeze([
  HIPAA_MARKETING_2026_01,
  FUNDRAISING_OPT_OUT_NOTICE_2026_01,
  PART2_CONSENT_2026_02,
]);

/** The published template, or undefined (an unpublished version is a `form` defect at grant time). */
export function findForm(formId: string | undefined | null, version: string | undefined | null): FormTemplate | undefined {
  return PUBLISHED_FORMS.find((form) => form.formId === formId && form.version === version);
}

/** SHA-256 (hex) of a template as published: what pins a version. */
export function templateSha256(form: FormTemplate): string {
  return createHash('sha256').update(canonicalJson(form)).digest('hex');
}

/** The elements and statements that apply to an authorization with these circumstances. */
export function applicable<T extends { when?: FormCondition }>(
  items: readonly T[],
  circumstances: { remunerationInvolved: boolean; personalRepresentative: boolean },
): T[] {
  return items.filter((item) =>
    item.when === undefined ||
    (item.when === 'remuneration-involved' && circumstances.remunerationInvolved) ||
    (item.when === 'personal-representative' && circumstances.personalRepresentative));
}
