import { Body, Controller, HttpCode, Param, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../http/auth';
import { IdentifierPipe } from '../../http/params';
import { Meta, type CommandMeta } from '../../ledger/command-meta';
import { SetPreferenceCommand } from './set-preference.handler';
import { SetPreferenceRequest } from './set-preference.request';

@ApiTags('preferences')
@ApiBearerAuth()
@Controller('v1/subjects/:subjectId/preferences')
export class SetPreferenceController {
  constructor(private readonly commands: CommandBus) {}

  @Put()
  @HttpCode(200)
  @Scopes('consent:write')
  @ApiOperation({ summary: 'Opt a subject in or out of a purpose x channel ("*" for all).' })
  set(@Param('subjectId', IdentifierPipe) subjectId: string, @Body() body: SetPreferenceRequest, @Meta() meta: CommandMeta): Promise<{ position: string }> {
    return this.commands.execute(new SetPreferenceCommand(subjectId, body, meta));
  }
}
