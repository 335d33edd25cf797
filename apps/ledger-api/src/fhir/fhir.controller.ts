import { Body, Controller, Get, Header, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { subjectDecider, subjectStreamId } from '@app/domain';
import type { Principal } from '@app/security';
import { AccessLogged } from '../audit/access-log/access-logged';
import { GrantAuthorizationCommand, type GrantAuthorizationResponse } from '../authorizations/grant/grant.handler';
import { GrantAuthorizationRequest } from '../authorizations/grant/grant.request';
import { Caller, Scopes } from '../http/auth';
import { IdentifierPipe } from '../http/params';
import { Problem } from '../http/problem';
import { validationPipe } from '../http/validation';
import { Meta, type CommandMeta } from '../ledger/command-meta';
import { LedgerStreams } from '../ledger/ledger-streams';
import { consentBundle } from './consent-bundle';
import { paperAuthorization } from './paper-consent';

const FHIR_JSON = 'application/fhir+json; fhirVersion=4.0';
const pipe = validationPipe();

@ApiTags('fhir')
@ApiBearerAuth()
@Controller('v1')
export class FhirConsentController {
  constructor(private readonly streams: LedgerStreams, private readonly commands: CommandBus) {}

  @Get('subjects/:subjectId/fhir/Consent')
  @Scopes('consent:read')
  @AccessLogged('fhir-export')
  @Header('content-type', FHIR_JSON)
  @ApiOperation({ summary: 'FHIR R4: the subject\'s authorizations and preferences as a Bundle of Consent resources (for an EHR chart).' })
  async export(@Param('subjectId', IdentifierPipe) subjectId: string, @Caller() caller: Principal): Promise<Record<string, unknown>> {
    const { state } = await this.streams.load(subjectDecider, subjectStreamId(caller.tenantId, subjectId));
    if (state.revision < 0) throw Problem.notFound('No such subject.');
    // Recipients and disclosers are personal data, sealed in the log: opened here (an erased one is left out).
    const opened = await this.streams.personalData.open(caller.tenantId, state.authorizations.map((record) => ({
      data: { recipients: record.recipients, disclosers: record.disclosers }, paths: ['recipients', 'disclosers'],
    })));
    const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
    const authorizations = state.authorizations.map((record, i) => ({
      ...record,
      recipients: opened[i].erasedFields.includes('recipients') ? [] : strings(opened[i].data.recipients),
      disclosers: opened[i].erasedFields.includes('disclosers') ? [] : strings(opened[i].data.disclosers),
    }));
    return consentBundle(caller.tenantId, subjectId, { ...state, authorizations }, this.streams.now().toISOString());
  }

  @Post('fhir/Consent')
  @HttpCode(201)
  @Scopes('consent:write')
  @ApiOperation({ summary: 'FHIR R4: record a paper HIPAA authorization arriving from an EHR as a Consent with the scan in sourceAttachment.' })
  async recordPaper(@Body() consent: unknown, @Meta() meta: CommandMeta, @Res({ passthrough: true }) reply: FastifyReply): Promise<GrantAuthorizationResponse> {
    const { subjectId, body } = paperAuthorization(consent);
    const defined = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
    const request = (await pipe.transform(defined, { type: 'body', metatype: GrantAuthorizationRequest })) as GrantAuthorizationRequest;
    const answer: GrantAuthorizationResponse = await this.commands.execute(new GrantAuthorizationCommand(subjectId, request, meta));
    reply.header('location', `/v1/subjects/${encodeURIComponent(subjectId)}/fhir/Consent`);
    return answer;
  }
}
