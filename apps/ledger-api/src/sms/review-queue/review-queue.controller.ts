import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@app/security';
import { Caller, Scopes } from '../../http/auth';
import { IdentifierPipe } from '../../http/params';
import { ReadOptionsQuery } from '../../http/validators';
import { Meta, type CommandMeta } from '../../ledger/command-meta';
import { ResolveReviewCommand, type ResolveReviewResponse, ReviewQueueQuery, type ReviewItemView } from './review-queue.handler';
import { ResolveReviewRequest } from './review-queue.request';

@ApiTags('sms')
@ApiBearerAuth()
@Controller('v1/review-queue')
export class ReviewQueueController {
  constructor(private readonly queries: QueryBus, private readonly commands: CommandBus) {}

  @Get()
  @Scopes('consent:read')
  @ApiOperation({ summary: 'Open review items: inbound texts that merely contained a revocation word (T1), oldest first.' })
  list(@Query() query: ReadOptionsQuery, @Caller() caller: Principal): Promise<{ items: ReviewItemView[]; position: string }> {
    return this.queries.execute(new ReviewQueueQuery(caller.tenantId, query));
  }

  @Post(':reviewId/resolve')
  @HttpCode(200)
  @Scopes('consent:write')
  @ApiOperation({ summary: 'Record what the text meant (opt-out, opt-in, none); an opt-out or opt-in takes effect at the text\u2019s receipt.' })
  resolve(@Param('reviewId', IdentifierPipe) reviewId: string, @Body() body: ResolveReviewRequest, @Meta() meta: CommandMeta): Promise<ResolveReviewResponse> {
    return this.commands.execute(new ResolveReviewCommand(reviewId, body, meta));
  }
}
