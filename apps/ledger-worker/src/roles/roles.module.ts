import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import type { Role } from '@app/platform';
import { IngestRole } from './ingest.role';
import { ProjectorRole } from './projector.role';
import { RelayRole } from './relay.role';
import { SchedulerRole } from './scheduler.role';

const WORKER_ROLES: Partial<Record<Role, Provider>> = {
  projector: ProjectorRole,
  scheduler: SchedulerRole,
  relay: RelayRole,
  ingest: IngestRole,
};

/** The worker roles this process runs (LEDGER_ROLES); the api role is the HTTP application itself. */
@Module({})
export class RolesModule {
  static forRoles(roles: readonly Role[]): DynamicModule {
    const providers = roles.map((role) => WORKER_ROLES[role]).filter((p): p is Provider => p !== undefined);
    return { module: RolesModule, providers, exports: providers };
  }
}
