import type { DomainError } from '@app/domain';
import { Problem } from './problem';

/** The one place where a domain error value becomes an HTTP problem. */
export function domainProblem(error: DomainError): Problem {
  switch (error.code) {
    case 'DefectiveAuthorization':
      return new Problem(422, 'defective-authorization', 'Defective authorization',
        `The authorization is defective: ${error.missingElements.map((m) => m.element).join(', ')}. Nothing was recorded.`,
        { missingElements: error.missingElements });
    case 'AuthorizationAlreadyExists':
      return new Problem(409, 'authorization-exists', 'Authorization already exists',
        'An authorization with this authorizationId already exists for the subject.');
    case 'AuthorizationNotFound':
      return Problem.notFound('No such authorization.');
    case 'ContactNotLinked':
      return Problem.notFound('No such contact point on this subject.');
    case 'ResubscribeRequiresSubjectAction': {
      // C6 names the address; on a subject preference (H10 / C6) the purpose and channel the opt-out covers.
      const scope = 'purpose' in error ? { purpose: error.purpose, channel: error.channel } : {};
      const subjectLevel = 'purpose' in error;
      return new Problem(409, 'resubscribe-requires-subject-action', 'Re-subscription requires the person',
        subjectLevel
          ? `The person opted out of ${error.purpose} on ${error.channel}; only the person's own act can opt back in (${error.rule}, ${error.ruleId}).`
          : 'The address is opted out; only the person can opt back in (preference centre, double opt-in, SMS START, in person, support). 16 CFR 316 / C6.',
        { ...scope, rule: error.rule, ...(error.ruleId ? { ruleId: error.ruleId } : {}) });
    }
    case 'EsignConsentRequired':
      return new Problem(409, 'esign-consent-required', 'ESIGN consent required',
        `An electronic copy needs the person's consent to electronic records on record; provide the copy on paper or record the consent first (${error.rule}, ${error.ruleId}).`,
        { authorizationId: error.authorizationId, rule: error.rule, ruleId: error.ruleId });
    case 'RetentionHold':
      return new Problem(409, 'retention-hold', 'Retention hold',
        error.retainedWhileInEffect
          ? `An authorization is still in effect with no end; its records are retained while it is in effect (${error.rule}, ${error.ruleId}). Nothing was erased.`
          : `The records are retained until ${error.retainUntil} (${error.rule}, ${error.ruleId}). Nothing was erased.`,
        { retainUntil: error.retainUntil, retainedWhileInEffect: error.retainedWhileInEffect, rule: error.rule, ruleId: error.ruleId });
    case 'SmsReviewNotFound':
      return Problem.notFound('No such review item.');
    case 'SmsReviewAlreadyResolved':
      return new Problem(409, 'review-already-resolved', 'Review item already resolved',
        `The review item was already resolved as ${error.outcome}; a different outcome cannot replace it.`,
        { reviewId: error.reviewId, outcome: error.outcome });
    case 'InvalidCommand':
    case 'InvalidTenantSettings':
      // The request had the right shape (400 is for shape); the ledger found a value it cannot accept.
      return new Problem(422, 'invalid-command', 'Command not valid',
        `The value of ${error.field} cannot be accepted: ${error.message}. Nothing was recorded.`,
        { errors: [{ field: error.field, message: error.message }] });
    default: {
      const code = (error as { code: string }).code;
      return new Problem(422, 'rejected', 'Command rejected', `The ledger refused the command (${code}).`);
    }
  }
}
