import { Body, Controller, Get, Header, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PurposeScope } from '@app/domain';
import { normaliseContact } from '../contacts/contact-value';
import { Public } from '../http/auth';
import { byAddressPage, confirmPage, donePage, refusedPage } from './pages';
import { OneClickUnsubscribe } from './unsubscribe.service';

/** RFC 8058 §3.1: the POST body a mail client sends. */
export class OneClickForm {
  @IsIn(['One-Click'], { message: 'List-Unsubscribe must be One-Click' }) 'List-Unsubscribe'!: string;
}

export class ByAddressForm {
  @IsString() @MaxLength(320) email!: string;
}

const TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const HTML = 'text/html; charset=utf-8';

/**
 * The signed link itself: no login, no cookies, no script. GET only shows a page (a link scanner changes nothing);
 * POST with `List-Unsubscribe=One-Click` records the opt-out; an expired link records nothing and offers the
 * by-address form; a forged one is refused.
 */
@ApiExcludeController()
@Public()
@Controller('v1/unsubscribe')
export class OneClickController {
  constructor(private readonly unsubscribe: OneClickUnsubscribe) {}

  @Get()
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async show(@Query('token') token: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const checked = await this.check(token);
    if (checked.status === 'invalid') return this.refuse(reply);
    if (checked.status === 'expired') return byAddressPage(byAddressPath(token!), checked.claims.purpose, 'This unsubscribe link has expired. Enter your email address to unsubscribe.');
    return confirmPage(path(token!), checked.claims.purpose, '/preferences');
  }

  @Post()
  @HttpCode(200)
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async oneClick(
    @Query('token') token: string | undefined, @Body() _form: OneClickForm, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const checked = await this.check(token);
    if (checked.status === 'invalid') return this.refuse(reply);
    if (checked.status === 'expired') {
      reply.code(410);
      return byAddressPage(byAddressPath(token!), checked.claims.purpose, 'This unsubscribe link has expired and nothing was changed. Enter your email address to unsubscribe.');
    }
    const { tenant, contactKey, purpose, jti } = checked.claims;
    await this.unsubscribe.optOut(tenant, contactKey, purpose as PurposeScope, String(request.id), jti);
    return donePage(purpose, '/preferences');
  }

  /** C1: an unsubscribe by the address alone; the link (even expired) says for which tenant and purpose. */
  @Post('by-address')
  @HttpCode(200)
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async byAddress(
    @Query('token') token: string | undefined, @Body() form: ByAddressForm, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const checked = await this.check(token);
    if (checked.status === 'invalid') return this.refuse(reply);
    const contact = normaliseContact('email', form.email, 'email');
    const { tenant, purpose } = checked.claims;
    await this.unsubscribe.optOut(tenant, contact.contactKey, purpose as PurposeScope, String(request.id));
    return donePage(purpose, '/preferences');
  }

  private check(token: string | undefined) {
    if (typeof token !== 'string' || !TOKEN.test(token) || token.length > 4096) return Promise.resolve({ status: 'invalid' as const, reason: 'malformed' });
    return this.unsubscribe.check(token);
  }

  private refuse(reply: FastifyReply): string {
    reply.code(404);
    return refusedPage();
  }
}

/** The token rides in the query string: it is longer than a path segment may be. */
function path(token: string): string {
  return `/v1/unsubscribe?token=${token}`;
}

function byAddressPath(token: string): string {
  return `/v1/unsubscribe/by-address?token=${token}`;
}
