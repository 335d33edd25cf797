import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { LedgerConfig } from '@app/platform';
import { TokenVerifier } from '@app/security';
import { CONFIG } from '../ledger/tokens';
import { UnsubscribeModule } from '../unsubscribe/unsubscribe.module';
import { AccessLog } from './access-log/access-log';
import { AccessLogController } from './access-log/access-log.controller';
import { EvidenceExportController } from './export/export.controller';
import { DecisionReceipts } from './receipts/receipts';
import { VerifyReceiptController } from './receipts/verify-receipt.controller';

/**
 * Security and audit: the access log (written by the Fastify hooks behind `@AccessLogged`, registered in bootstrap), decision receipts, evidence
 * export, one-click unsubscribe. Global, so that every feature module can apply `@AccessLogged` and use `AccessLog`.
 */
@Global()
@Module({
  imports: [UnsubscribeModule],
  controllers: [AccessLogController, VerifyReceiptController, EvidenceExportController],
  providers: [AccessLog, DecisionReceipts],
  exports: [AccessLog, DecisionReceipts],
})
export class AuditModule implements OnModuleInit {
  constructor(private readonly verifier: TokenVerifier, @Inject(CONFIG) private readonly config: LedgerConfig) {}

  /** Every configured external issuer (JWT_ISSUERS beside JWT_ISSUER), with the configured clock tolerance. */
  onModuleInit(): void {
    this.verifier.trust(this.config.jwtIssuers, { clockToleranceSeconds: this.config.jwtClockToleranceSeconds });
  }
}
