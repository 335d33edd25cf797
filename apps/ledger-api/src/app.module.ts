import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { AuditModule } from './audit/audit.module';
import { ComplianceModule } from './compliance/compliance.module';
import { FhirModule } from './fhir/fhir.module';
import { GrpcModule } from './grpc/grpc.module';
import { DocumentsModule } from './documents/documents.module';
import { VerifyController } from './audit/verify/verify.controller';
import { ExpirationEventController } from './authorizations/expiration-events/expiration-event.controller';
import { RecordExpirationEventHandler } from './authorizations/expiration-events/expiration-event.handler';
import { GrantAuthorizationController } from './authorizations/grant/grant.controller';
import { GrantAuthorizationHandler } from './authorizations/grant/grant.handler';
import { RevokeAuthorizationController } from './authorizations/revoke/revoke.controller';
import { RevokeAuthorizationHandler } from './authorizations/revoke/revoke.handler';
import { LinkContactController } from './contacts/link/link-contact.controller';
import { LinkContactHandler } from './contacts/link/link-contact.handler';
import { ContactChoiceController } from './contacts/opt-out/contact-choice.controller';
import { ContactChoiceHandler } from './contacts/opt-out/contact-choice.handler';
import { UnlinkContactController } from './contacts/unlink/unlink-contact.controller';
import { UnlinkContactHandler } from './contacts/unlink/unlink-contact.handler';
import { EligibilityCheckController } from './eligibility/check/check.controller';
import { EligibilityCheckHandler } from './eligibility/check/check.handler';
import { EligibilityStates } from './eligibility/eligibility-states';
import { ScrubController } from './eligibility/scrub/scrub.controller';
import { ScrubService } from './eligibility/scrub/scrub.service';
import { HealthController } from './health/health.controller';
import { LedgerMetrics, MetricsController } from './health/metrics';
import { AuthGuard } from './http/auth';
import { IdempotencyGuard } from './http/idempotency';
import { RolesModule } from '../../ledger-worker/src/roles/roles.module';
import { LedgerModule, type LedgerModuleOptions } from './ledger/ledger.module';
import { ReadPosition } from './ledger/read-position';
import { SetPreferenceController } from './preferences/set/set-preference.controller';
import { SetPreferenceHandler } from './preferences/set/set-preference.handler';
import { SubjectHistoryHandler } from './subjects/history/history.handler';
import { SubjectsController } from './subjects/subjects.controller';
import { SubjectViewHandler } from './subjects/view/subject-view.handler';
import { TenantSettingsController } from './tenant/settings/settings.controller';
import { ChangeTenantSettingsHandler, GetTenantSettingsHandler } from './tenant/settings/settings.handler';

/** One module; each use case folder contributes its controller and handler. */
@Module({})
export class AppModule {
  static forRoot(options: LedgerModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [LedgerModule.forRoot(options), CqrsModule.forRoot(), RolesModule.forRoles(options.config.roles), AuditModule, DocumentsModule, ComplianceModule, GrpcModule, FhirModule],
      controllers: [
        HealthController,
        MetricsController,
        GrantAuthorizationController,
        RevokeAuthorizationController,
        ExpirationEventController,
        SetPreferenceController,
        LinkContactController,
        UnlinkContactController,
        ContactChoiceController,
        EligibilityCheckController,
        ScrubController,
        SubjectsController,
        TenantSettingsController,
        VerifyController,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        // After AuthGuard: a repeat is answered only to a caller allowed to make the request.
        { provide: APP_GUARD, useClass: IdempotencyGuard },
        ReadPosition,
        LedgerMetrics,
        GrantAuthorizationHandler,
        RevokeAuthorizationHandler,
        RecordExpirationEventHandler,
        SetPreferenceHandler,
        LinkContactHandler,
        UnlinkContactHandler,
        ContactChoiceHandler,
        EligibilityCheckHandler,
        EligibilityStates,
        ScrubService,
        SubjectViewHandler,
        SubjectHistoryHandler,
        ChangeTenantSettingsHandler,
        GetTenantSettingsHandler,
      ],
    };
  }
}
