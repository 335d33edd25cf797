import { MARKETING_EXCEPTIONS, isOneOf, type CommunicationCategory, type MarketingException, type Purpose, type Remuneration } from '../vocabulary';

export type Requirement = 'authorization' | 'none' | 'no-opt-out';
export type ExemptBasis = 'TREATMENT_EXEMPT' | 'OPERATIONS_EXEMPT' | 'REFILL_REMINDER_EXEMPT';

export interface Communication {
  category?: CommunicationCategory;
  purpose?: Purpose;
  /** `true` means above cost, `false` means none (API.md, Precise semantics). */
  thirdPartyRemuneration?: Remuneration | boolean;
  /** H2: the message is about a drug or biologic currently prescribed for the person. */
  aboutCurrentlyPrescribedDrug?: boolean;
  /** H2: the message is about the delivery system of a currently prescribed drug (treated as a refill reminder). */
  deliverySystem?: boolean;
  /** H2: the message encourages a switch from the prescribed drug to another (never a refill reminder). */
  encouragesSwitch?: boolean;
  /** H1: an exception the caller declares for a marketing communication (164.508(a)(3)(i)). */
  exception?: MarketingException;
}

export interface Classification {
  purpose: Purpose;
  requires: Requirement;
  category?: CommunicationCategory;
  /** The basis an ALLOW rests on when no authorization is needed. */
  exemptBasis?: ExemptBasis;
  /** Third-party remuneration as normalised from the request (H3 reads it). */
  remuneration: Remuneration;
  /** H2: the category the rules were applied as, when the flags made it differ from `category`. */
  treatedAs?: CommunicationCategory;
  /** H1: a declared exception, kept only when the communication is marketing. */
  marketingException?: MarketingException;
}

/** H2: the categories a message about a currently prescribed drug may be sent under. */
const PRESCRIBED_DRUG_CATEGORIES: readonly CommunicationCategory[] = [
  'refill-reminder',
  'care-coordination',
  'treatment-alternatives',
  'health-education',
];

/**
 * H2, 45 CFR 164.501 (marketing, (2)(i)): a message about a currently prescribed drug, its delivery system
 * included, is a refill reminder in all but name; one encouraging a switch to another drug is not, and is
 * judged as a recommendation of alternative treatment.
 */
function effectiveCategory(communication: Communication, category: CommunicationCategory): CommunicationCategory {
  if (!PRESCRIBED_DRUG_CATEGORIES.includes(category)) return category;
  if (communication.encouragesSwitch === true) return 'treatment-alternatives';
  if (communication.aboutCurrentlyPrescribedDrug === true || communication.deliverySystem === true) return 'refill-reminder';
  return category;
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
  const classification = classifyCategory(communication);
  // H1, 164.508(a)(3)(i)(A)/(B): face-to-face and nominal-value gifts are exceptions for marketing only.
  if (classification.purpose === 'marketing' && isOneOf(MARKETING_EXCEPTIONS, communication.exception)) {
    return { ...classification, marketingException: communication.exception };
  }
  return classification;
}

function classifyCategory(communication: Communication): Classification {
  const remuneration = normaliseRemuneration(communication.thirdPartyRemuneration);
  const declared = communication.category;
  if (declared === undefined) {
    if (communication.purpose === undefined) throw new TypeError('a communication needs a category or a purpose');
    return byPurpose(communication.purpose, remuneration);
  }
  const category = effectiveCategory(communication, declared);
  const classification = classifyAs(category, remuneration);
  return category === declared ? classification : { ...classification, category: declared, treatedAs: category };
}

function classifyAs(category: CommunicationCategory, remuneration: Remuneration): Classification {
  const paid = remuneration !== 'none';
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
