/**
 * Domain errors are values, discriminated by `code`; the edge turns them into problem+json and
 * gRPC statuses in one place. Messages never carry PHI (names, contact values, free text).
 */

export const AUTHORIZATION_ELEMENTS = [
  'informationDescription',
  'disclosers',
  'recipients',
  'purposes',
  'purposeStatement',
  'expiration',
  'signature',
  'signedAt',
  'representativeAuthority',
  'statements.rightToRevoke',
  'statements.noConditioning',
  'statements.redisclosure',
  'remuneration.statement',
  'compound',
  'conditioned',
  'form',
] as const;
export type AuthorizationElement = (typeof AUTHORIZATION_ELEMENTS)[number];

export interface MissingElement {
  element: AuthorizationElement;
  /** The paragraph of the regulation the defect breaks, e.g. `45 CFR 164.508(c)(1)(iv)`. */
  rule: string;
  message: string;
}

export type DomainError =
  | { code: 'DefectiveAuthorization'; message: string; missingElements: MissingElement[] }
  | { code: 'AuthorizationAlreadyExists'; message: string; authorizationId: string }
  | { code: 'AuthorizationNotFound'; message: string; authorizationId: string }
  | { code: 'ContactNotLinked'; message: string; contactKey: string }
  | { code: 'ResubscribeRequiresSubjectAction'; message: string; contactKey: string; rule: string }
  | { code: 'InvalidTenantSettings'; message: string; field: string }
  | { code: 'InvalidCommand'; message: string; field: string };

export type DomainErrorCode = DomainError['code'];
