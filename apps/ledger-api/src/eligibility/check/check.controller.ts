import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Principal } from '@app/security';
import { AccessLogged } from '../../audit/access-log/access-logged';
import { DecisionReceipts } from '../../audit/receipts/receipts';
import { normaliseContact } from '../../contacts/contact-value';
import { Caller, Scopes } from '../../http/auth';
import { EligibilityCheckQuery, type EligibilityAnswer } from './check.handler';
import { EligibilityCheckRequest } from './check.request';

/** RFC 7240: `Prefer: receipt` asks for a signed decision receipt in the answer. */
function wantsReceipt(prefer: string | undefined): boolean {
  return (prefer ?? '').split(',').some((p) => p.trim().split(/[;=]/)[0].trim().toLowerCase() === 'receipt');
}

@ApiTags('eligibility')
@ApiBearerAuth()
@Controller('v1/eligibility/check')
export class EligibilityCheckController {
  constructor(private readonly queries: QueryBus, private readonly receipts: DecisionReceipts) {}

  @Post()
  @HttpCode(200)
  @Scopes('eligibility:check')
  @AccessLogged('eligibility-check')
  @ApiHeader({ name: 'Prefer', required: false, description: '`receipt`: the answer carries `receipt`, a compact JWS over the decision (docs/security.md)' })
  @ApiOperation({ summary: 'May we send this communication to this person on this channel, now or as of a time?' })
  async check(
    @Body() body: EligibilityCheckRequest,
    @Caller() caller: Principal,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EligibilityAnswer & { receipt?: string }> {
    const answer: EligibilityAnswer = await this.queries.execute(new EligibilityCheckQuery(caller.tenantId, body));
    if (!wantsReceipt(prefer)) return answer;
    const receipt = await this.receipts.issue(caller.tenantId, {
      subjectId: body.subjectId ?? null,
      contactKey: body.contact ? normaliseContact(body.contact.type, body.contact.value, 'contact.value').contactKey : null,
      channel: body.channel,
      purpose: body.purpose ?? null,
      communication: body.communication ? { ...body.communication } : null,
      usesPart2Data: body.usesPart2Data ?? false,
    }, answer);
    reply.header('preference-applied', 'receipt');
    return { ...answer, receipt };
  }
}
