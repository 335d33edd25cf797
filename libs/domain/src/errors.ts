import type { ChannelScope, PurposeScope } from './vocabulary';

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
  /** The rule's id in compliance.md (H4, H5, H8, H3, P1, P2). */
  ruleId?: string;
  message: string;
}

export type DomainError =
  | { code: 'DefectiveAuthorization'; message: string; missingElements: MissingElement[] }
  | { code: 'AuthorizationAlreadyExists'; message: string; authorizationId: string }
  | { code: 'AuthorizationNotFound'; message: string; authorizationId: string }
  | { code: 'ContactNotLinked'; message: string; contactKey: string }
  | { code: 'ResubscribeRequiresSubjectAction'; message: string; contactKey: string; rule: string; ruleId?: string }
  /** H10 / C6 on a subject preference: an opt-in that is not the person's own act over an opt-out in force. */
  | {
      code: 'ResubscribeRequiresSubjectAction';
      message: string;
      purpose: PurposeScope;
      channel: ChannelScope;
      rule: string;
      ruleId: string;
    }
  /** E2: an electronic copy needs the person's ESIGN consent in force. */
  | { code: 'EsignConsentRequired'; message: string; authorizationId: string; rule: string; ruleId: string }
  /** H11: erasure inside the retention window; `retainUntil` is null while in effect without an end. */
  | {
      code: 'RetentionHold';
      message: string;
      retainUntil: string | null;
      retainedWhileInEffect: boolean;
      rule: string;
      ruleId: string;
    }
  | { code: 'SmsReviewNotFound'; message: string; reviewId: string }
  | { code: 'SmsReviewAlreadyResolved'; message: string; reviewId: string; outcome: string }
  | { code: 'InvalidTenantSettings'; message: string; field: string }
  | { code: 'InvalidCommand'; message: string; field: string };

export type DomainErrorCode = DomainError['code'];
