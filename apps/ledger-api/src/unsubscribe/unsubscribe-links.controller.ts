import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { PURPOSES, type PurposeScope } from '@app/domain';
import type { LedgerConfig } from '@app/platform';
import type { Principal } from '@app/security';
import { normaliseContact } from '../contacts/contact-value';
import { Caller, Scopes } from '../http/auth';
import { CONFIG } from '../ledger/tokens';
import { OneClickUnsubscribe } from './unsubscribe.service';

export class UnsubscribeLinkRequest {
  @ApiProperty({ description: 'the recipient address' }) @IsString() @MaxLength(320) email!: string;
  @ApiProperty({ enum: [...PURPOSES, '*'], description: "the campaign's purpose; `*` unsubscribes from every purpose" })
  @IsIn([...PURPOSES, '*']) purpose!: PurposeScope;
}

export interface UnsubscribeLinkResponse {
  url: string;
  contactKey: string;
  expiresAt: string;
  /** The header values to put on the message (RFC 2369, RFC 8058). */
  headers: { 'List-Unsubscribe': string; 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

@ApiTags('unsubscribe')
@ApiBearerAuth()
@Controller('v1/unsubscribe-links')
export class UnsubscribeLinksController {
  constructor(private readonly unsubscribe: OneClickUnsubscribe, @Inject(CONFIG) private readonly config: LedgerConfig) {}

  @Post()
  @HttpCode(200)
  @Scopes('eligibility:check')
  @ApiOperation({ summary: 'The List-Unsubscribe and List-Unsubscribe-Post header values (RFC 8058) for one recipient and campaign purpose.' })
  async create(@Body() body: UnsubscribeLinkRequest, @Caller() caller: Principal, @Req() request: FastifyRequest): Promise<UnsubscribeLinkResponse> {
    const contact = normaliseContact('email', body.email, 'email');
    // RFC 8058 needs an HTTPS URI; behind a proxy, set PUBLIC_BASE_URL rather than trusting the Host header.
    const base = this.config.publicBaseUrl ?? `https://${request.headers.host ?? 'localhost'}`;
    const link = await this.unsubscribe.link(caller.tenantId, contact.contactKey, body.purpose, base);
    return {
      url: link.url,
      contactKey: contact.contactKey,
      expiresAt: link.expiresAt,
      headers: { 'List-Unsubscribe': `<${link.url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    };
  }
}
