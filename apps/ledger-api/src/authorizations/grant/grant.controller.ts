import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../http/auth';
import { IdentifierPipe } from '../../http/params';
import { Meta, type CommandMeta } from '../../ledger/command-meta';
import { GrantAuthorizationCommand, type GrantAuthorizationResponse } from './grant.handler';
import { GrantAuthorizationRequest } from './grant.request';

@ApiTags('authorizations')
@ApiBearerAuth()
@Controller('v1/subjects/:subjectId/authorizations')
export class GrantAuthorizationController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Scopes('consent:write')
  @ApiOperation({ summary: 'Record a HIPAA authorization (45 CFR 164.508); defective ones are refused with 422.' })
  grant(
    @Param('subjectId', IdentifierPipe) subjectId: string,
    @Body() body: GrantAuthorizationRequest,
    @Meta() meta: CommandMeta,
  ): Promise<GrantAuthorizationResponse> {
    return this.commands.execute(new GrantAuthorizationCommand(subjectId, body, meta));
  }
}
