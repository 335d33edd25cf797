import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../http/auth';
import { IdentifierPipe } from '../../http/params';
import { Meta, type CommandMeta } from '../../ledger/command-meta';
import { InvalidateAuthorizationCommand, type InvalidateAuthorizationResponse } from './invalidate.handler';
import { InvalidateAuthorizationRequest } from './invalidate.request';

@ApiTags('authorizations')
@ApiBearerAuth()
@Controller('v1/subjects/:subjectId/authorizations/:authorizationId/invalidate')
export class InvalidateAuthorizationController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(200)
  @Scopes('consent:write')
  @ApiOperation({ summary: 'Record a defect discovered after intake (H8): the authorization is invalid from the discovery on, never before.' })
  invalidate(
    @Param('subjectId', IdentifierPipe) subjectId: string,
    @Param('authorizationId', IdentifierPipe) authorizationId: string,
    @Body() body: InvalidateAuthorizationRequest,
    @Meta() meta: CommandMeta,
  ): Promise<InvalidateAuthorizationResponse> {
    return this.commands.execute(new InvalidateAuthorizationCommand(subjectId, authorizationId, body, meta));
  }
}
