import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@app/security';
import { Caller, Scopes } from '../../http/auth';
import { EligibilityCheckQuery, type EligibilityAnswer } from './check.handler';
import { EligibilityCheckRequest } from './check.request';

@ApiTags('eligibility')
@ApiBearerAuth()
@Controller('v1/eligibility/check')
export class EligibilityCheckController {
  constructor(private readonly queries: QueryBus) {}

  @Post()
  @HttpCode(200)
  @Scopes('eligibility:check')
  @ApiOperation({ summary: 'May we send this communication to this person on this channel, now or as of a time?' })
  check(@Body() body: EligibilityCheckRequest, @Caller() caller: Principal): Promise<EligibilityAnswer> {
    return this.queries.execute(new EligibilityCheckQuery(caller.tenantId, body));
  }
}
