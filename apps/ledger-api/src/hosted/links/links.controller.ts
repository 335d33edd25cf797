import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { checkAuthorization, type GrantAuthorization } from '@app/domain';
import type { Principal } from '@app/security';
import { GrantDocuments } from '../../authorizations/grant/grant-document';
import { Caller, Scopes } from '../../http/auth';
import { domainProblem } from '../../http/domain-problem';
import { IdentifierPipe } from '../../http/params';
import { Problem } from '../../http/problem';
import { LedgerStreams } from '../../ledger/ledger-streams';
import { DEFAULT_LINK_TTL_SECONDS, HostedLinks, type SigningDraft } from './hosted-links';
import { CreateLinksRequest } from './links.request';

export interface CreateLinksResponse {
  signUrl?: string;
  preferencesUrl?: string;
  authorizationId?: string;
  expiresAt: string;
}

@ApiTags('hosted pages')
@ApiBearerAuth()
@Controller('v1/subjects/:subjectId/links')
export class HostedLinksController {
  constructor(private readonly links: HostedLinks, private readonly streams: LedgerStreams, private readonly documents: GrantDocuments) {}

  @Post()
  @HttpCode(201)
  @Scopes('consent:write')
  @ApiOperation({
    summary: 'Mint short-lived signed links to the hosted signing page (with the authorization to sign) and preferences page. ' +
      'The offered authorization is checked now: a defective one is 422 defective-authorization.',
  })
  async create(
    @Param('subjectId', IdentifierPipe) subjectId: string,
    @Body() body: CreateLinksRequest,
    @Caller() caller: Principal,
  ): Promise<CreateLinksResponse> {
    const actions = body.actions ?? (body.authorization ? ['sign', 'preferences'] : ['preferences']);
    if (actions.length === 0) throw Problem.badRequest('No action requested.', [{ field: 'actions', message: 'must name sign and/or preferences' }]);
    if (actions.includes('sign') && !body.authorization) {
      throw Problem.badRequest('A signing link needs the authorization to sign.', [{ field: 'authorization', message: 'is required for sign' }]);
    }
    const ttl = body.ttlSeconds ?? DEFAULT_LINK_TTL_SECONDS;
    const draft = body.authorization && actions.includes('sign') ? await this.draft(caller.tenantId, subjectId, body) : null;
    const response: CreateLinksResponse = { expiresAt: '' };
    if (draft) {
      const { token, expiresAt } = await this.links.mint(caller.tenantId, subjectId, ['sign'], draft, ttl);
      Object.assign(response, { signUrl: `/sign/${token}`, authorizationId: draft.authorizationId, expiresAt });
    }
    if (actions.includes('preferences')) {
      const { token, expiresAt } = await this.links.mint(caller.tenantId, subjectId, ['preferences'], null, ttl);
      Object.assign(response, { preferencesUrl: `/preferences/${token}`, expiresAt });
    }
    return response;
  }

  /** The offered authorization must be complete but for the signature: checked as if signed now. */
  private async draft(tenantId: string, subjectId: string, body: CreateLinksRequest): Promise<SigningDraft> {
    const given = body.authorization!;
    const now = this.streams.now().toISOString();
    const command: GrantAuthorization = {
      type: 'GrantAuthorization',
      subjectId,
      ...given,
      remuneration: given.remuneration ? { ...given.remuneration } : undefined,
      part2: given.part2 ? { ...given.part2 } : undefined,
      statements: { rightToRevoke: true, noConditioning: true, redisclosure: true },
      signature: { signerName: 'to be signed', signedAt: now, signerRole: 'self', method: 'typed' },
    };
    const checked = checkAuthorization(command, { now, newId: randomUUID, settings: await this.streams.settingsNow(tenantId, now) });
    const defects = [...(checked.ok ? [] : checked.missingElements), ...this.documents.defects(command)];
    if (defects.length > 0) {
      throw domainProblem({ code: 'DefectiveAuthorization', message: 'the offered authorization is defective', missingElements: defects });
    }
    return {
      authorizationId: given.authorizationId ?? randomUUID(),
      formId: given.formId!,
      formVersion: given.formVersion!,
      purposes: [...new Set(given.purposes!)],
      channels: [...new Set(given.channels ?? [])],
      informationDescription: given.informationDescription!,
      disclosers: given.disclosers!,
      recipients: given.recipients!,
      purposeStatement: given.purposeStatement!,
      expiresAt: given.expiresAt ?? null,
      expiresOn: given.expiresOn ?? null,
      expirationEvent: given.expirationEvent ?? null,
      remuneration: given.remuneration ? { involved: given.remuneration.involved, statement: given.remuneration.statement ?? null } : null,
      part2: given.part2 ? { ...given.part2 } : null,
    };
  }
}
