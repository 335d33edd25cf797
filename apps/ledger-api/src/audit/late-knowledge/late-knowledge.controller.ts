import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@app/security';
import { Caller, Scopes } from '../../http/auth';
import { type LateKnowledgeReport, LateKnowledgeReportQuery } from './late-knowledge.handler';
import { LateKnowledgeQuery } from './late-knowledge.request';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit/late-knowledge')
export class LateKnowledgeController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @Scopes('audit:read')
  @ApiOperation({ summary: "Decisions that would differ with today's knowledge: revocations and opt-outs recorded after they took effect, per subject, with the checks made in between." })
  report(@Query() query: LateKnowledgeQuery, @Caller() caller: Principal): Promise<LateKnowledgeReport> {
    return this.queries.execute(new LateKnowledgeReportQuery(caller.tenantId, query));
  }
}
