import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../http/auth';
import { IdentifierPipe } from '../../http/params';
import { Meta, type CommandMeta } from '../../ledger/command-meta';
import { UnlinkContactCommand } from './unlink-contact.handler';

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/subjects/:subjectId/contacts/:contactKey')
export class UnlinkContactController {
  constructor(private readonly commands: CommandBus) {}

  @Delete()
  @HttpCode(200)
  @Scopes('consent:write')
  @ApiOperation({ summary: 'Unlink a contact point from the subject.' })
  unlink(
    @Param('subjectId', IdentifierPipe) subjectId: string,
    @Param('contactKey', IdentifierPipe) contactKey: string,
    @Meta() meta: CommandMeta,
  ): Promise<{ position: string }> {
    return this.commands.execute(new UnlinkContactCommand(subjectId, contactKey, meta));
  }
}
