import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { findForm } from '@app/documents';
import {
  authorizationStatusAt, type Channel, findAuthorization, isOneOf, keyCovers, optOutsInForce, type Purpose, subjectDecider,
  subjectStreamId,
} from '@app/domain';
import { RevokeAuthorizationCommand } from '../../authorizations/revoke/revoke.handler';
import type { RevokeAuthorizationRequest } from '../../authorizations/revoke/revoke.request';
import { documentHeaders, DocumentReader } from '../../documents/read/document-reader';
import { Public } from '../../http/auth';
import { IDENTIFIER } from '../../http/validators';
import type { CommandMeta } from '../../ledger/command-meta';
import { LedgerStreams } from '../../ledger/ledger-streams';
import { SetPreferenceCommand } from '../../preferences/set/set-preference.handler';
import type { SetPreferenceRequest } from '../../preferences/set/set-preference.request';
import { escape, HTML, page, refusedPage } from '../html';
import { type HostedLink, HostedLinks } from '../links/hosted-links';
import { PortalCopies } from '../portal-copies';
import { CHANNEL_LABELS, PAGE_CHANNELS, PAGE_PURPOSES, PURPOSE_LABELS, preferencesPage } from './preferences-page';

/**
 * The hosted preferences page: the patient sees and changes their choices (source `portal`, the person's own act,
 * C6/H10) and revokes authorizations in writing (portal, 164.508(b)(5)), through a signed link and no login.
 */
@ApiExcludeController()
@Public()
@Controller('preferences')
export class PreferencesController {
  constructor(
    private readonly links: HostedLinks,
    private readonly streams: LedgerStreams,
    private readonly commands: CommandBus,
    private readonly reader: DocumentReader,
    private readonly copies: PortalCopies,
  ) {}

  @Get()
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  withoutLink(): string {
    return page('Your communication preferences', `<h1>Your communication preferences</h1>
<p>To see and change your preferences, open the preferences link in your patient portal or in a message from us.</p>`);
  }

  /*
   * A link token is a JWT of a kilobyte or more, past Fastify's 100-character limit on a path parameter, so the
   * routes take the rest of the path as a wildcard: `{token}`, `{token}/authorizations/{id}/document`,
   * `{token}/choice`, `{token}/revoke`.
   */
  @Get('*')
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async get(@Param('*') rest: string, @Query() query: Record<string, string>, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const [token, ...tail] = rest.split('/');
    if (tail.length === 3 && tail[0] === 'authorizations' && tail[2] === 'document') return this.document(token, tail[1], reply);
    if (tail.length > 0) return this.refuse(reply, 'invalid');
    return this.show(token, query, reply);
  }

  @Post('*')
  @HttpCode(303)
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  post(@Param('*') rest: string, @Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const [token, ...tail] = rest.split('/');
    if (tail.length === 1 && tail[0] === 'choice') return this.choose(token, body, request, reply);
    if (tail.length === 1 && tail[0] === 'revoke') return this.revoke(token, body, request, reply);
    return Promise.resolve(this.refuse(reply, 'invalid'));
  }

  private async show(token: string, query: Record<string, string>, reply: FastifyReply): Promise<string> {
    const checked = await this.links.verify(token, 'preferences');
    if (!checked.ok) return this.refuse(reply, checked.reason);
    const { link } = checked;
    const { state } = await this.streams.load(subjectDecider, subjectStreamId(link.tenantId, link.subjectId));
    const now = this.streams.now().toISOString();
    return preferencesPage({
      base: `/preferences/${token}`,
      optedOut: (purpose, channel) => optOutsInForce(state.preferences, (key) => keyCovers(key, purpose, channel), now, now).length > 0,
      authorizations: state.authorizations.map((record) => ({
        authorizationId: record.authorizationId,
        title: findForm(record.formId, record.formVersion)?.title ?? record.formId,
        purposes: record.purposes,
        channels: record.channels,
        signedAt: record.signature.signedAt,
        status: authorizationStatusAt(record, now, now),
        hasDocument: Boolean(record.documentSha256),
      })),
      message: this.message(query, state.authorizations.map((a) => a.authorizationId)),
    });
  }

  private async choose(token: string, body: Record<string, unknown>, request: FastifyRequest, reply: FastifyReply): Promise<string> {
    const checked = await this.links.verify(token, 'preferences');
    if (!checked.ok) return this.refuse(reply, checked.reason);
    const form = body ?? {};
    if (!isOneOf(PAGE_PURPOSES, form.purpose) || !isOneOf(PAGE_CHANNELS, form.channel) || !isOneOf(['opt-out', 'opt-in'] as const, form.choice)) {
      reply.code(400);
      return page('Something went wrong', '<h1>Something went wrong</h1><p role="alert">That choice could not be read. Go back and try again.</p>');
    }
    const preference: SetPreferenceRequest = { purpose: form.purpose, channel: form.channel, choice: form.choice, source: 'portal' };
    await this.commands.execute(new SetPreferenceCommand(checked.link.subjectId, preference, this.meta(checked.link, request)));
    return this.redirect(reply, `/preferences/${token}?done=${form.choice}&purpose=${form.purpose}&channel=${form.channel}`);
  }

  private async revoke(token: string, body: Record<string, unknown>, request: FastifyRequest, reply: FastifyReply): Promise<string> {
    const checked = await this.links.verify(token, 'preferences');
    if (!checked.ok) return this.refuse(reply, checked.reason);
    const authorizationId = typeof body?.authorizationId === 'string' ? body.authorizationId : '';
    const { state } = await this.streams.load(subjectDecider, subjectStreamId(checked.link.tenantId, checked.link.subjectId));
    if (!findAuthorization(state, authorizationId)) {
      reply.code(404);
      return page('Authorization not found', '<h1>Authorization not found</h1><p role="alert">Go back to your preferences and try again.</p>');
    }
    // 164.508(b)(5): a revocation through the portal is written; it takes effect when received, now.
    const revocation: RevokeAuthorizationRequest = { receivedVia: 'portal' };
    await this.commands.execute(new RevokeAuthorizationCommand(checked.link.subjectId, authorizationId, revocation, this.meta(checked.link, request)));
    return this.redirect(reply, `/preferences/${token}?done=revoked&authorizationId=${encodeURIComponent(authorizationId)}`);
  }

  private async document(token: string, authorizationId: string, reply: FastifyReply): Promise<void> {
    const checked = await this.links.verify(token, 'preferences');
    if (!checked.ok) {
      await reply.status(checked.reason === 'expired' ? 410 : 403).headers({ 'content-type': HTML, 'cache-control': 'no-store' })
        .send(refusedPage(checked.reason, 'preferences'));
      return;
    }
    if (!IDENTIFIER.test(authorizationId)) {
      await reply.status(404).headers({ 'content-type': HTML }).send(page('Not found', '<h1>Not found</h1>'));
      return;
    }
    const found = await this.reader.read(checked.link.tenantId, checked.link.subjectId, authorizationId);
    await this.copies.downloaded(checked.link, authorizationId, `preferences-link:${checked.link.linkId}`, String(reply.request.id));
    await reply.status(200).headers(documentHeaders(found, 'attachment')).send(Buffer.from(found.document.content));
  }

  /** The result of the last action, from the redirect's query; only known values are shown. */
  private message(query: Record<string, string>, authorizationIds: string[]): string | null {
    const purpose = query.purpose as Purpose;
    const channel = query.channel as Channel;
    if ((query.done === 'opt-out' || query.done === 'opt-in') && isOneOf(PAGE_PURPOSES, purpose) && isOneOf(PAGE_CHANNELS, channel)) {
      const what = `${PURPOSE_LABELS[purpose].toLowerCase()} by ${CHANNEL_LABELS[channel].toLowerCase()}`;
      return query.done === 'opt-out' ? `Saved: you have opted out of ${what}.` : `Saved: you have opted in to ${what}.`;
    }
    if (query.done === 'revoked' && authorizationIds.includes(query.authorizationId)) {
      return 'Your authorization is revoked. We will not use it from now on.';
    }
    return null;
  }

  private meta(link: HostedLink, request: FastifyRequest): CommandMeta {
    return { tenantId: link.tenantId, actor: `preferences-link:${link.linkId}`, correlationId: String(request.id) };
  }

  private refuse(reply: FastifyReply, reason: 'expired' | 'invalid'): string {
    reply.code(reason === 'expired' ? 410 : 403);
    return refusedPage(reason, 'preferences');
  }

  private redirect(reply: FastifyReply, location: string): string {
    reply.code(303).header('location', location);
    return `<p><a href="${escape(location)}">Continue</a></p>`;
  }
}
