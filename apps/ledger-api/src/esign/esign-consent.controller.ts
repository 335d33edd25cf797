import { Body, Controller, Delete, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../http/auth';
import { IdentifierPipe } from '../http/params';
import { Meta, type CommandMeta } from '../ledger/command-meta';
import { type EsignConsentResponse, GiveEsignConsentCommand, WithdrawEsignConsentCommand } from './esign-consent.handler';
import { GiveEsignConsentRequest, WithdrawEsignConsentQuery } from './esign-consent.request';

@ApiTags('authorizations')
@ApiBearerAuth()
@Controller('v1/subjects/:subjectId/esign-consent')
export class EsignConsentController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(200)
  @Scopes('consent:write')
  @ApiOperation({ summary: "Record the person's consent to electronic records, after the disclosures, access demonstrated (E2)." })
  give(@Param('subjectId', IdentifierPipe) subjectId: string, @Body() body: GiveEsignConsentRequest, @Meta() meta: CommandMeta): Promise<EsignConsentResponse> {
    return this.commands.execute(new GiveEsignConsentCommand(subjectId, body, meta));
  }

  @Delete()
  @HttpCode(200)
  @Scopes('consent:write')
  @ApiOperation({ summary: 'Withdraw the ESIGN consent (E2); later copies go on paper.' })
  withdraw(@Param('subjectId', IdentifierPipe) subjectId: string, @Query() query: WithdrawEsignConsentQuery, @Meta() meta: CommandMeta): Promise<EsignConsentResponse> {
    return this.commands.execute(new WithdrawEsignConsentCommand(subjectId, query, meta));
  }
}
