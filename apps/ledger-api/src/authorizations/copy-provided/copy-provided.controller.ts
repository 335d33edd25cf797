import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../http/auth';
import { IdentifierPipe } from '../../http/params';
import { Meta, type CommandMeta } from '../../ledger/command-meta';
import { RecordCopyProvidedCommand, type CopyProvidedResponse } from './copy-provided.handler';
import { CopyProvidedRequest } from './copy-provided.request';

@ApiTags('authorizations')
@ApiBearerAuth()
@Controller('v1/subjects/:subjectId/authorizations/:authorizationId/copy-provided')
export class CopyProvidedController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(200)
  @Scopes('consent:write')
  @ApiOperation({ summary: "Record that the individual was given a copy (H7); email/portal need the person's ESIGN consent (E2), else 409." })
  record(
    @Param('subjectId', IdentifierPipe) subjectId: string,
    @Param('authorizationId', IdentifierPipe) authorizationId: string,
    @Body() body: CopyProvidedRequest,
    @Meta() meta: CommandMeta,
  ): Promise<CopyProvidedResponse> {
    return this.commands.execute(new RecordCopyProvidedCommand(subjectId, authorizationId, body, meta));
  }
}
