import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../http/auth';
import { Meta, type CommandMeta } from '../../ledger/command-meta';
import { type InboundSmsResponse, RecordInboundSmsCommand } from './inbound-sms.handler';
import { InboundSmsRequest } from './inbound-sms.request';

@ApiTags('sms')
@ApiBearerAuth()
@Controller('v1/inbound/sms')
export class InboundSmsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(200)
  @Scopes('consent:write')
  @ApiOperation({ summary: 'An inbound text from an SMS gateway (T1-T3): STOP and its synonyms opt out, START/UNSTOP opt in, a text merely containing a revocation word goes to review.' })
  receive(@Body() body: InboundSmsRequest, @Meta() meta: CommandMeta): Promise<InboundSmsResponse> {
    return this.commands.execute(new RecordInboundSmsCommand(body, meta));
  }
}
