import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../http/auth';
import { IdentifierPipe } from '../../http/params';
import { Meta, type CommandMeta } from '../../ledger/command-meta';
import { RevokeAuthorizationCommand, type RevokeAuthorizationResponse } from './revoke.handler';
import { RevokeAuthorizationRequest } from './revoke.request';

@ApiTags('authorizations')
@ApiBearerAuth()
@Controller('v1/subjects/:subjectId/authorizations/:authorizationId/revoke')
export class RevokeAuthorizationController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(200)
  @Scopes('consent:write')
  @ApiOperation({ summary: 'Revoke in writing (effective when received, never retroactive) or record an oral request (H9).' })
  revoke(
    @Param('subjectId', IdentifierPipe) subjectId: string,
    @Param('authorizationId', IdentifierPipe) authorizationId: string,
    @Body() body: RevokeAuthorizationRequest,
    @Meta() meta: CommandMeta,
  ): Promise<RevokeAuthorizationResponse> {
    return this.commands.execute(new RevokeAuthorizationCommand(subjectId, authorizationId, body, meta));
  }
}
