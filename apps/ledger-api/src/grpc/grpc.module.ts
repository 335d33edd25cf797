import { Module } from '@nestjs/common';
import { EligibilityStates } from '../eligibility/eligibility-states';
import { ScrubService } from '../eligibility/scrub/scrub.service';
import { ReadPosition } from '../ledger/read-position';
import { EligibilityGrpcService } from './eligibility.grpc';
import { GrpcServer } from './grpc.server';
import { LedgerGrpcService } from './ledger.grpc';

/** The gRPC edge (proto/consent/v1): EligibilityService and LedgerService on GRPC_PORT. */
// ScrubService, EligibilityStates and ReadPosition are stateless readers over the global ports; the gRPC edge holds its
// own instances of them rather than reach into AppModule's.
@Module({
  providers: [EligibilityStates, ScrubService, ReadPosition, EligibilityGrpcService, LedgerGrpcService, GrpcServer],
  exports: [GrpcServer],
})
export class GrpcModule {}
