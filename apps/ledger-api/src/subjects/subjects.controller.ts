import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@app/security';
import { AccessLogged } from '../audit/access-log/access-logged';
import { Caller, Scopes } from '../http/auth';
import { IdentifierPipe } from '../http/params';
import { ReadOptionsQuery } from '../http/validators';
import { SubjectHistoryQuery } from './history/history.handler';
import { SubjectViewQuery, type SubjectView } from './view/subject-view.handler';

@ApiTags('subjects')
@ApiBearerAuth()
@Controller('v1/subjects/:subjectId')
export class SubjectsController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @Scopes('consent:read')
  @AccessLogged('subject-read')
  @ApiOperation({ summary: "The subject's authorizations, preferences and linked contact keys (asOf / knownAt / minPosition)." })
  view(@Param('subjectId', IdentifierPipe) subjectId: string, @Query() query: ReadOptionsQuery, @Caller() caller: Principal): Promise<SubjectView> {
    return this.queries.execute(new SubjectViewQuery(caller.tenantId, subjectId, query));
  }

  @Get('history')
  @Scopes('consent:read', 'audit:read')
  @AccessLogged('subject-history')
  @ApiOperation({ summary: "The subject's events and its contacts' events in global order (asOf keeps effectiveAt <= asOf, knownAt keeps recordedAt <= knownAt)." })
  history(@Param('subjectId', IdentifierPipe) subjectId: string, @Query() query: ReadOptionsQuery, @Caller() caller: Principal) {
    return this.queries.execute(new SubjectHistoryQuery(caller.tenantId, subjectId, query));
  }
}
