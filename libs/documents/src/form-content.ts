import { createHash } from 'node:crypto';
import type { Channel, Part2Terms, Purpose } from '@app/domain';
import { canonicalJson } from './canonical-json';
import { applicable, type FormTemplate } from './forms';

/** The terms of one authorization that fill a form (the grant's elements, before anyone signs). */
export interface FormTerms {
  purposes: readonly Purpose[];
  channels: readonly Channel[];
  informationDescription: string;
  disclosers: readonly string[];
  recipients: readonly string[];
  purposeStatement: string;
  expiresAt: string | null;
  expiresOn: string | null;
  expirationEvent: string | null;
  remuneration: { involved: boolean; statement: string | null };
  part2?: Part2Terms | null;
}

export interface FormSection {
  /** The element (`recipients`) or statement (`statements.rightToRevoke`) the section presents. */
  id: string;
  heading: string;
  text: string;
  rule: string;
}

/**
 * The form exactly as shown to the signer: its text with every element filled in. The same value is rendered on
 * the signing page and in the PDF, and its SHA-256 (`contentSha256`) is printed on the certificate page (E1).
 */
export interface FormContent {
  formId: string;
  version: string;
  title: string;
  introduction: string;
  sections: FormSection[];
}

/** The elements presented in the signature block rather than as sections. */
export const SIGNATURE_BLOCK_ELEMENTS = ['signature', 'signedAt', 'representativeAuthority'] as const;

const PURPOSE_WORDS: Record<Purpose, string> = {
  treatment: 'treatment',
  payment: 'payment',
  operations: 'health care operations',
  marketing: 'marketing communications',
  fundraising: 'fundraising communications',
  research: 'research',
};

const CHANNEL_WORDS: Record<Channel, string> = {
  email: 'email',
  sms: 'text message (SMS)',
  voice: 'phone call',
  mail: 'postal mail',
  portal: 'patient portal message',
};

/** "a, b and c". */
export function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** `2027-11-23T00:00:00Z` → `2027-11-23 00:00 UTC`: one unambiguous zone on every copy. */
export function instantInWords(instant: string): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return instant;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function expirationInWords(terms: FormTerms): string {
  const parts: string[] = [];
  if (terms.expiresOn) parts.push(`at the end of ${terms.expiresOn}`);
  else if (terms.expiresAt) parts.push(`on ${instantInWords(terms.expiresAt)}`);
  if (terms.part2?.expiry === 'end-of-treatment') parts.push('at the end of my treatment');
  else if (terms.expirationEvent) parts.push(`when this event occurs: ${terms.expirationEvent}`);
  if (parts.length === 0 && terms.part2?.expiry === 'none') {
    return 'This consent has no expiration date (it covers treatment, payment and health care operations only).';
  }
  return `This authorization ends ${parts.join(', or ')}, whichever comes first.`;
}

function elementText(element: string, terms: FormTerms): string | null {
  switch (element) {
    case 'informationDescription':
      return terms.informationDescription;
    case 'disclosers':
      return listInWords(terms.disclosers);
    case 'recipients':
      return listInWords(terms.recipients);
    case 'purposes': {
      const purposes = listInWords(terms.purposes.map((p) => PURPOSE_WORDS[p]));
      return terms.channels.length > 0
        ? `${purposes}, by ${listInWords(terms.channels.map((c) => CHANNEL_WORDS[c]))}`
        : purposes;
    }
    case 'purposeStatement':
      return terms.purposeStatement;
    case 'expiration':
      return expirationInWords(terms);
    default:
      return null;
  }
}

function fill(text: string, terms: FormTerms): string {
  return text
    .replaceAll('{disclosers}', listInWords(terms.disclosers) || 'us')
    .replaceAll('{remuneration}', terms.remuneration.statement ?? '')
    .trim();
}

/** Fills a template with the terms of one authorization (or, for a notice, with who gives it). */
export function fillForm(form: FormTemplate, terms: FormTerms): FormContent {
  const circumstances = { remunerationInvolved: terms.remuneration.involved, personalRepresentative: false };
  const sections: FormSection[] = [];
  for (const element of applicable(form.elements, circumstances)) {
    if ((SIGNATURE_BLOCK_ELEMENTS as readonly string[]).includes(element.element)) continue;
    const text = elementText(element.element, terms);
    if (text !== null) sections.push({ id: element.element, heading: element.label, text, rule: element.rule });
  }
  for (const statement of applicable(form.statements, circumstances)) {
    sections.push({ id: statement.id, heading: statement.heading, text: fill(statement.text, terms), rule: statement.rule });
  }
  return { formId: form.formId, version: form.version, title: form.title, introduction: form.introduction, sections };
}

/** SHA-256 (hex) of the form content shown and signed. Not the PDF's hash: see docs/documents.md. */
export function contentSha256(content: FormContent): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
