import type { CommunicationCategory, Purpose, Remuneration } from '../vocabulary';

export type Requirement = 'authorization' | 'none' | 'no-opt-out';
export type ExemptBasis = 'TREATMENT_EXEMPT' | 'OPERATIONS_EXEMPT' | 'REFILL_REMINDER_EXEMPT';

export interface Communication {
  category?: CommunicationCategory;
  purpose?: Purpose;
  /** `true` means above cost, `false` means none (API.md, Precise semantics). */
  thirdPartyRemuneration?: Remuneration | boolean;
}

export interface Classification {
  purpose: Purpose;
  requires: Requirement;
  category?: CommunicationCategory;
  /** The basis an ALLOW rests on when no authorization is needed. */
  exemptBasis?: ExemptBasis;
  /** Third-party remuneration as normalised from the request (H3 reads it). */
  remuneration: Remuneration;
}

export function normaliseRemuneration(value: Remuneration | boolean | undefined | null): Remuneration {
  if (value === true) return 'above-cost';
  if (value === false || value === undefined || value === null) return 'none';
  return value;
}

/** `requires` per purpose: authorization for marketing and research, the fundraising opt-out rule, else none. */
export function requirementOf(purpose: Purpose): Requirement {
  switch (purpose) {
    case 'marketing':
    case 'research':
      return 'authorization';
    case 'fundraising':
      return 'no-opt-out';
    default:
      return 'none';
  }
}

function byPurpose(purpose: Purpose, remuneration: Remuneration, category?: CommunicationCategory): Classification {
  const requires = requirementOf(purpose);
  const exemptBasis: ExemptBasis | undefined =
    purpose === 'treatment' ? 'TREATMENT_EXEMPT' : purpose === 'payment' || purpose === 'operations' ? 'OPERATIONS_EXEMPT' : undefined;
  return {
    purpose,
    requires,
    ...(category ? { category } : {}),
    ...(exemptBasis ? { exemptBasis } : {}),
    remuneration,
  };
}

/**
 * H2, 45 CFR 164.501 (definition of marketing): which purpose a communication serves and what it
 * needs. Treatment and the entity's own health-related services are not marketing, unless a third
 * party whose product is described pays for the communication (above cost, for refill reminders).
 */
export function classify(communication: Communication): Classification {
  const remuneration = normaliseRemuneration(communication.thirdPartyRemuneration);
  const paid = remuneration !== 'none';
  const category = communication.category;
  if (category === undefined) {
    if (communication.purpose === undefined) throw new TypeError('a communication needs a category or a purpose');
    return byPurpose(communication.purpose, remuneration);
  }
  switch (category) {
    case 'appointment-reminder':
    case 'test-results':
      return byPurpose('treatment', remuneration, category);
    case 'refill-reminder':
      // Payment reasonably related to the cost of the communication keeps it a refill reminder.
      return remuneration === 'above-cost'
        ? byPurpose('marketing', remuneration, category)
        : { ...byPurpose('treatment', remuneration, category), exemptBasis: 'REFILL_REMINDER_EXEMPT' };
    case 'care-coordination':
    case 'treatment-alternatives':
      return byPurpose(paid ? 'marketing' : 'treatment', remuneration, category);
    case 'plan-benefits':
    case 'health-education':
    case 'survey':
      return byPurpose(paid ? 'marketing' : 'operations', remuneration, category);
    case 'promotion':
    case 'third-party-product':
    case 'newsletter':
      return byPurpose('marketing', remuneration, category);
    case 'fundraising':
      return byPurpose('fundraising', remuneration, category);
    case 'research-recruitment':
      return byPurpose('research', remuneration, category);
    default:
      throw new TypeError('unknown communication category');
  }
}
