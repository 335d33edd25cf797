import type { GrantAuthorization } from './commands';
import type { DecideContext } from './decider';
import type { AuthorizationElement, MissingElement } from './errors';
import { DEFAULT_TENANT_SETTINGS } from './events';
import {
  END_OF_TREATMENT_EVENT,
  PART2_ELEMENT_RULES,
  PART2_TPO_EXPIRIES,
  PART2_TPO_PURPOSES,
  isPart2Consent,
  type Part2Terms,
} from './part2';
import { isOneOf } from './vocabulary';
import { endOfDayInZone, formatInstant, instantMs, isCalendarDate, isValidTimeZone } from './time';

/** How far in the future a signature may be dated (clock skew between signer and ledger). */
export const SIGNED_AT_TOLERANCE_MS = 5 * 60_000;

/** The paragraph each element comes from (45 CFR 164.508). */
export const ELEMENT_RULES: Readonly<Record<AuthorizationElement, string>> = {
  informationDescription: '45 CFR 164.508(c)(1)(i)',
  disclosers: '45 CFR 164.508(c)(1)(ii)',
  recipients: '45 CFR 164.508(c)(1)(iii)',
  purposes: '45 CFR 164.508(c)(1)(iv)',
  purposeStatement: '45 CFR 164.508(c)(1)(iv)',
  expiration: '45 CFR 164.508(c)(1)(v)',
  signature: '45 CFR 164.508(c)(1)(vi)',
  signedAt: '45 CFR 164.508(c)(1)(vi)',
  representativeAuthority: '45 CFR 164.508(c)(1)(vi)',
  'statements.rightToRevoke': '45 CFR 164.508(c)(2)(i)',
  'statements.noConditioning': '45 CFR 164.508(c)(2)(ii)',
  'statements.redisclosure': '45 CFR 164.508(c)(2)(iii)',
  'remuneration.statement': '45 CFR 164.508(a)(3)(ii)',
  compound: '45 CFR 164.508(b)(3)',
  conditioned: '45 CFR 164.508(b)(4)',
  form: '45 CFR 164.508(b)(1)',
};

/** The compliance.md id of the rule behind each element of a HIPAA authorization. */
export const ELEMENT_RULE_IDS: Readonly<Record<AuthorizationElement, string>> = {
  informationDescription: 'H4',
  disclosers: 'H4',
  recipients: 'H4',
  purposes: 'H4',
  purposeStatement: 'H4',
  expiration: 'H4',
  signature: 'H4',
  signedAt: 'H4',
  representativeAuthority: 'H4',
  'statements.rightToRevoke': 'H5',
  'statements.noConditioning': 'H5',
  'statements.redisclosure': 'H5',
  'remuneration.statement': 'H3',
  compound: 'H8',
  conditioned: 'H8',
  form: 'H8',
};

/** 164.508(b)(2)(i): an authorization whose expiry has passed is defective. */
const EXPIRY_PASSED_RULE = '45 CFR 164.508(b)(2)(i)';

function nonEmptyText(value: unknown): boolean {
  return typeof value === 'string' && value.trim().length > 0;
}

function nonEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0 && value.every(nonEmptyText);
}

export interface ValidatedExpiry {
  /** The exclusive end instant, or null when only an event ends the authorization. */
  expiresAt: string | null;
  expiresOn: string | null;
  expirationEvent: string | null;
  /** P1: the Part 2 terms of a `part2-consent` form, null for any other form. */
  part2: Part2Terms | null;
}

export type GrantCheck =
  | { ok: true; expiry: ValidatedExpiry }
  | { ok: false; missingElements: MissingElement[] };

/**
 * H4, H5, H8: completeness and validity of an authorization at intake. Lists every defect, so
 * the portal or the clerk can correct them all at once.
 */
export function checkAuthorization(
  command: GrantAuthorization,
  context: DecideContext,
  knownOccurredEvents: ReadonlySet<string> = new Set(),
): GrantCheck {
  const defects: MissingElement[] = [];
  // P1: a Part 2 consent's elements answer to 42 CFR 2.31 where Part 2 has its own paragraph.
  const part2 = isPart2Consent(command);
  const defect = (element: AuthorizationElement, message: string, rule?: string, ruleId?: string) => {
    const part2Rule = part2 ? PART2_ELEMENT_RULES[element] : undefined;
    defects.push({
      element,
      rule: rule ?? part2Rule ?? ELEMENT_RULES[element],
      ruleId: ruleId ?? (part2Rule ? 'P1' : ELEMENT_RULE_IDS[element]),
      message,
    });
  };

  if (!nonEmptyText(command.formId) || !nonEmptyText(command.formVersion)) {
    defect('form', 'the form and its version must be identified');
  }
  if (!nonEmptyText(command.informationDescription)) {
    defect('informationDescription', 'a specific description of the information to be used or disclosed is required');
  }
  if (!nonEmptyList(command.disclosers)) {
    defect('disclosers', 'the persons authorized to make the disclosure must be named');
  }
  if (!nonEmptyList(command.recipients)) {
    defect('recipients', 'the persons to whom the disclosure may be made must be named');
  }
  if (!Array.isArray(command.purposes) || command.purposes.length === 0) {
    defect('purposes', 'at least one purpose is required');
  }
  if (!nonEmptyText(command.purposeStatement)) {
    defect('purposeStatement', 'a description of each purpose is required');
  }

  // Signature and date (c)(1)(vi); a representative describes their authority (164.502(g)).
  const signature = command.signature ?? null;
  if (!signature || !nonEmptyText(signature.signerName)) {
    defect('signature', 'the signature of the individual or representative is required');
  }
  const nowMs = instantMs(context.now);
  const signedAtMs = instantMs(signature?.signedAt);
  if (Number.isNaN(signedAtMs)) {
    defect('signedAt', 'the date of the signature is required');
  } else if (signedAtMs > nowMs + SIGNED_AT_TOLERANCE_MS) {
    defect('signedAt', 'the signature date lies in the future');
  }
  if (signature?.signerRole === 'personal-representative' && !nonEmptyText(signature.representativeAuthority)) {
    defect('representativeAuthority', "a personal representative's authority must be described");
  }

  // Required statements (c)(2): each must be present and affirmed.
  const statements = command.statements ?? {};
  if (statements.rightToRevoke !== true) {
    defect('statements.rightToRevoke', 'the statement of the right to revoke in writing is required');
  }
  if (statements.noConditioning !== true) {
    defect('statements.noConditioning', 'the statement on conditioning of treatment is required');
  }
  if (statements.redisclosure !== true) {
    defect('statements.redisclosure', 'the statement on redisclosure is required');
  }

  // H3: paid marketing must say that remuneration is involved.
  if (command.remuneration?.involved === true && !nonEmptyText(command.remuneration.statement)) {
    defect('remuneration.statement', 'remuneration is involved but the authorization does not state it');
  }
  if (command.compound === true) {
    defect('compound', 'an authorization may not be combined with another document');
  }
  if (command.conditioned === true) {
    defect('conditioned', 'treatment, payment, enrollment or eligibility may not be conditioned on signing');
  }

  // P1, P2: Part 2 terms; a TPO consent names TPO purposes only and alone may expire 'none' / 'end of treatment'.
  const part2Terms = command.part2 ?? null;
  const tpo = part2 && part2Terms?.tpo === true;
  let part2Expiry: Part2Terms['expiry'] = null;
  if (part2Terms !== null && !part2) {
    defect('form', 'Part 2 terms belong on a part2-consent form only', '42 CFR 2.31(a)', 'P1');
  }
  if (part2Terms?.expiry != null) {
    if (!isOneOf(PART2_TPO_EXPIRIES, part2Terms.expiry)) {
      defect('expiration', 'unknown Part 2 expiry', PART2_ELEMENT_RULES.expiration, 'P1');
    } else if (!tpo) {
      defect('expiration', '"end of treatment" or "none" suffices only for a treatment, payment and operations consent', PART2_ELEMENT_RULES.expiration, 'P1');
    } else {
      part2Expiry = part2Terms.expiry;
    }
  }
  if (tpo && Array.isArray(command.purposes)) {
    for (const purpose of command.purposes.filter((p) => !PART2_TPO_PURPOSES.includes(p))) {
      if (purpose === 'marketing') {
        defect('purposes', 'a Part 2 treatment, payment and operations consent never covers marketing', '42 CFR 2.31(a)(5)(ii)', 'P2');
      } else {
        defect('purposes', 'a Part 2 treatment, payment and operations consent names only those purposes', '42 CFR 2.31(a)(5)(ii)', 'P1');
      }
    }
  }

  // Expiration (c)(1)(v): a date or an event; already passed is defective (b)(2)(i).
  let expiresAtMs = NaN;
  let expiryBroken = false;
  if (command.expiresAt != null) {
    expiresAtMs = instantMs(command.expiresAt);
    if (Number.isNaN(expiresAtMs)) {
      defect('expiration', 'the expiration date is not a valid instant');
      expiryBroken = true;
    }
  }
  if (command.expiresOn != null) {
    if (!isCalendarDate(command.expiresOn)) {
      defect('expiration', 'the expiration date is not a valid calendar date');
      expiryBroken = true;
    } else {
      const zone = context.settings?.timeZone ?? DEFAULT_TENANT_SETTINGS.timeZone;
      // H13: through the end of that day in the tenant's zone, fixed at intake.
      const endMs = instantMs(endOfDayInZone(command.expiresOn, isValidTimeZone(zone) ? zone : 'UTC'));
      expiresAtMs = Number.isNaN(expiresAtMs) ? endMs : Math.min(expiresAtMs, endMs);
    }
  }
  const expirationEvent = nonEmptyText(command.expirationEvent)
    ? (command.expirationEvent as string)
    : part2Expiry === 'end-of-treatment'
      ? END_OF_TREATMENT_EVENT
      : null;
  if (part2 && !tpo && expirationEvent === END_OF_TREATMENT_EVENT) {
    defect('expiration', '"end of treatment" suffices only for a treatment, payment and operations consent', PART2_ELEMENT_RULES.expiration, 'P1');
  }
  if (!expiryBroken && Number.isNaN(expiresAtMs) && expirationEvent === null && part2Expiry !== 'none') {
    defect('expiration', 'an expiration date or an expiration event is required');
  }
  if (!Number.isNaN(expiresAtMs)) {
    if (!Number.isNaN(signedAtMs) && expiresAtMs <= signedAtMs) {
      defect('expiration', 'the expiration is not after the signature', EXPIRY_PASSED_RULE, 'H8');
    } else if (expiresAtMs < nowMs) {
      defect('expiration', 'the expiration date has passed', EXPIRY_PASSED_RULE, 'H8');
    }
  }
  if (expirationEvent !== null && knownOccurredEvents.has(expirationEvent)) {
    defect('expiration', 'the expiration event is known to have occurred', EXPIRY_PASSED_RULE, 'H8');
  }

  if (defects.length > 0) return { ok: false, missingElements: defects };
  return {
    ok: true,
    expiry: {
      expiresAt: Number.isNaN(expiresAtMs) ? null : formatInstant(expiresAtMs),
      expiresOn: command.expiresOn ?? null,
      expirationEvent,
      part2: part2 ? { tpo: tpo === true, expiry: part2Expiry } : null,
    },
  };
}
