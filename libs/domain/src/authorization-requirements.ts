import type { GrantAuthorization } from './commands';
import type { DecideContext } from './decider';
import type { AuthorizationElement, MissingElement } from './errors';
import { DEFAULT_TENANT_SETTINGS } from './events';
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
  const defect = (element: AuthorizationElement, message: string, rule = ELEMENT_RULES[element]) =>
    defects.push({ element, rule, message });

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
  const expirationEvent = nonEmptyText(command.expirationEvent) ? (command.expirationEvent as string) : null;
  if (!expiryBroken && Number.isNaN(expiresAtMs) && expirationEvent === null) {
    defect('expiration', 'an expiration date or an expiration event is required');
  }
  if (!Number.isNaN(expiresAtMs)) {
    if (!Number.isNaN(signedAtMs) && expiresAtMs <= signedAtMs) {
      defect('expiration', 'the expiration is not after the signature', EXPIRY_PASSED_RULE);
    } else if (expiresAtMs < nowMs) {
      defect('expiration', 'the expiration date has passed', EXPIRY_PASSED_RULE);
    }
  }
  if (expirationEvent !== null && knownOccurredEvents.has(expirationEvent)) {
    defect('expiration', 'the expiration event is known to have occurred', EXPIRY_PASSED_RULE);
  }

  if (defects.length > 0) return { ok: false, missingElements: defects };
  return {
    ok: true,
    expiry: {
      expiresAt: Number.isNaN(expiresAtMs) ? null : formatInstant(expiresAtMs),
      expiresOn: command.expiresOn ?? null,
      expirationEvent,
    },
  };
}
