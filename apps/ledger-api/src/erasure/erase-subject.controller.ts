import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../http/auth';
import { IdentifierPipe } from '../http/params';
import { Meta, type CommandMeta } from '../ledger/command-meta';
import { EraseSubjectCommand, type EraseSubjectResponse } from './erase-subject.handler';

@ApiTags('subjects')
@ApiBearerAuth()
@Controller('v1/subjects/:subjectId')
export class EraseSubjectController {
  constructor(private readonly commands: CommandBus) {}

  @Delete()
  @HttpCode(200)
  @Scopes('admin')
  @ApiOperation({ summary: "Erase the subject's personal data by destroying its data key (H11); 409 retention-hold with retainUntil inside the window." })
  erase(@Param('subjectId', IdentifierPipe) subjectId: string, @Meta() meta: CommandMeta): Promise<EraseSubjectResponse> {
    return this.commands.execute(new EraseSubjectCommand(subjectId, meta));
  }
}
