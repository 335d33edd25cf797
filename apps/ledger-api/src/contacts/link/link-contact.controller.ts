import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../http/auth';
import { IdentifierPipe } from '../../http/params';
import { Meta, type CommandMeta } from '../../ledger/command-meta';
import { LinkContactCommand } from './link-contact.handler';
import { LinkContactRequest } from './link-contact.request';

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/subjects/:subjectId/contacts')
export class LinkContactController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(200)
  @Scopes('consent:write')
  @ApiOperation({ summary: 'Link an email or phone to the subject; answers its contactKey (SHA-256 of the normalised value).' })
  link(@Param('subjectId', IdentifierPipe) subjectId: string, @Body() body: LinkContactRequest, @Meta() meta: CommandMeta): Promise<{ position: string; contactKey: string }> {
    return this.commands.execute(new LinkContactCommand(subjectId, body, meta));
  }
}
