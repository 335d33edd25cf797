import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { EventStore } from '@app/event-store';
import type { Principal } from '@app/security';
import { Caller, Scopes } from '../../http/auth';
import { EVENT_STORE } from '../../ledger/tokens';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit/verify')
export class VerifyController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get()
  @Scopes('audit:read')
  @ApiOperation({ summary: "Recompute every hash chain of the tenant's streams; answers the first broken link if any." })
  verify(@Caller() caller: Principal) {
    return this.store.verifyChains({ tenantId: caller.tenantId });
  }
}
