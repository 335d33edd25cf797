import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../http/auth';
import { Meta, type CommandMeta } from '../../ledger/command-meta';
import { ContactChoiceCommand, type ContactChoiceResponse } from './contact-choice.handler';
import { ContactOptInRequest, ContactOptOutRequest } from './contact-choice.request';

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contacts')
export class ContactChoiceController {
  constructor(private readonly commands: CommandBus) {}

  @Post('opt-out')
  @HttpCode(202)
  @Scopes('consent:write')
  @ApiOperation({ summary: 'Suppress an address (unsubscribe, STOP, complaint, bounce); works for addresses linked to no subject.' })
  optOut(@Body() body: ContactOptOutRequest, @Meta() meta: CommandMeta): Promise<ContactChoiceResponse> {
    return this.commands.execute(new ContactChoiceCommand('opt-out', body, meta));
  }

  @Post('opt-in')
  @HttpCode(202)
  @Scopes('consent:write')
  @ApiOperation({ summary: 'Lift an address suppression; after an opt-out only the person can (C6).' })
  optIn(@Body() body: ContactOptInRequest, @Meta() meta: CommandMeta): Promise<ContactChoiceResponse> {
    return this.commands.execute(new ContactChoiceCommand('opt-in', body, meta));
  }
}
