export * from './projection';
export * from './projector';
export * from './rebuild';
export * from './partitioned/partitioned-projector';
export * from './eligibility/eligibility.projection';
export * from './eligibility/eligibility.read-model';
export * from './eligibility/decisions';
export * from './expiring-authorizations/expiring-authorizations.projection';

import { eligibilityProjection } from './eligibility/eligibility.projection';
import { expiringAuthorizationsProjection } from './expiring-authorizations/expiring-authorizations.projection';
import type { Projection } from './projection';

/** Every projection the ledger runs, each with its own checkpoint. */
export const PROJECTIONS: readonly Projection[] = [eligibilityProjection, expiringAuthorizationsProjection];
