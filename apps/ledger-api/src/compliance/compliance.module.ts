import { Module } from '@nestjs/common';
import { CopyProvidedController } from '../authorizations/copy-provided/copy-provided.controller';
import { RecordCopyProvidedHandler } from '../authorizations/copy-provided/copy-provided.handler';
import { InvalidateAuthorizationController } from '../authorizations/invalidate/invalidate.controller';
import { InvalidateAuthorizationHandler } from '../authorizations/invalidate/invalidate.handler';
import { LateKnowledgeController } from '../audit/late-knowledge/late-knowledge.controller';
import { LateKnowledgeHandler } from '../audit/late-knowledge/late-knowledge.handler';
import { EraseSubjectController } from '../erasure/erase-subject.controller';
import { EraseSubjectHandler } from '../erasure/erase-subject.handler';
import { EsignConsentController } from '../esign/esign-consent.controller';
import { GiveEsignConsentHandler, WithdrawEsignConsentHandler } from '../esign/esign-consent.handler';
import { ReadPosition } from '../ledger/read-position';
import { InboundSmsController } from '../sms/inbound/inbound-sms.controller';
import { RecordInboundSmsHandler } from '../sms/inbound/inbound-sms.handler';
import { ReviewQueueController } from '../sms/review-queue/review-queue.controller';
import { ResolveReviewHandler, ReviewQueueHandler } from '../sms/review-queue/review-queue.handler';

/**
 * The compliance routes of compliance.md beyond grant and revoke: the individual's copy and ESIGN consent (H7, E2),
 * invalidation discovered later (H8), inbound SMS and its review queue (T1-T3), erasure (H11) and the late-knowledge
 * report. The write path's sealing of personal data lives in LedgerStreams, so every append is covered.
 */
@Module({
  controllers: [
    CopyProvidedController,
    InvalidateAuthorizationController,
    EsignConsentController,
    InboundSmsController,
    ReviewQueueController,
    EraseSubjectController,
    LateKnowledgeController,
  ],
  providers: [
    ReadPosition,
    RecordCopyProvidedHandler,
    InvalidateAuthorizationHandler,
    GiveEsignConsentHandler,
    WithdrawEsignConsentHandler,
    RecordInboundSmsHandler,
    ReviewQueueHandler,
    ResolveReviewHandler,
    EraseSubjectHandler,
    LateKnowledgeHandler,
  ],
})
export class ComplianceModule {}
