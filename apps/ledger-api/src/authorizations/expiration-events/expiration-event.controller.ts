import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../http/auth';
import { Meta, type CommandMeta } from '../../ledger/command-meta';
import { RecordExpirationEventCommand, type ExpirationEventResponse } from './expiration-event.handler';
import { ExpirationEventRequest } from './expiration-event.request';

@ApiTags('authorizations')
@ApiBearerAuth()
@Controller('v1/expiration-events')
export class ExpirationEventController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(200)
  @Scopes('consent:write')
  @ApiOperation({ summary: 'An expiration event occurred (e.g. "study-123-closed"): end every active authorization naming it.' })
  record(@Body() body: ExpirationEventRequest, @Meta() meta: CommandMeta): Promise<ExpirationEventResponse> {
    return this.commands.execute(new RecordExpirationEventCommand(body, meta));
  }
}
