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
    case 'ResubscribeRequiresSubjectAction':
      return new Problem(409, 'resubscribe-requires-subject-action', 'Re-subscription requires the person',
        'The address is opted out; only the person can opt back in (preference centre, double opt-in, SMS START, in person, support). 16 CFR 316 / C6.');
    default: {
      const code = (error as { code: string }).code;
      return new Problem(422, 'rejected', 'Command rejected', `The ledger refused the command (${code}).`);
    }
  }
}
