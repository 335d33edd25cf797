import { Body, Controller, Get, Header, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contentSha256, fillForm, findForm } from '@app/documents';
import { authorizationStatusAt, findAuthorization, type MissingElement, subjectDecider, subjectStreamId } from '@app/domain';
import { GrantAuthorizationCommand } from '../../authorizations/grant/grant.handler';
import type { GrantAuthorizationRequest } from '../../authorizations/grant/grant.request';
import { documentHeaders, DocumentReader } from '../../documents/read/document-reader';
import { Public } from '../../http/auth';
import { Problem } from '../../http/problem';
import { LedgerStreams } from '../../ledger/ledger-streams';
import { HTML, refusedPage } from '../html';
import { draftTerms, type HostedLink, HostedLinks } from '../links/hosted-links';
import { PortalCopies } from '../portal-copies';
import { SIGNATURE_PAD_JS } from './signature-pad';
import { signedPage, signPage, type SignFormValues } from './sign-page';

/** What a patient reads for each defect the ledger names (API.md elements). */
const PATIENT_MESSAGES: Record<string, string> = {
  signature: 'Type your full name to sign.',
  signedAt: 'The date of signing could not be recorded. Please try again.',
  representativeAuthority: "As the patient's personal representative, describe your authority to act for the patient.",
  expiration: 'This form has expired. Please ask your care provider for a new link.',
};

const text = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' ? value.slice(0, max) : undefined;

/**
 * The hosted signing page (E1, E3): shows the form version with every element filled in, takes a typed name (no
 * JavaScript needed) and optionally a drawn mark, records the grant, and offers the signed PDF.
 */
@ApiExcludeController()
@Public()
@Controller()
export class SignController {
  constructor(
    private readonly links: HostedLinks,
    private readonly streams: LedgerStreams,
    private readonly commands: CommandBus,
    private readonly reader: DocumentReader,
    private readonly copies: PortalCopies,
  ) {}

  @Get('hosted/signature-pad.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  script(): string {
    return SIGNATURE_PAD_JS;
  }

  /*
   * A link token is a JWT of a kilobyte or more, past Fastify's 100-character limit on a path parameter, so the
   * routes take the rest of the path (`/sign/{token}` and `/sign/{token}/document`) as a wildcard.
   */
  @Get('sign/*')
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async get(@Param('*') rest: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const [token, ...tail] = rest.split('/');
    if (tail.length === 1 && tail[0] === 'document') return this.document(token, reply);
    if (tail.length > 0) return this.refuse(reply, 'invalid');
    const checked = await this.links.verify(token, 'sign');
    if (!checked.ok) return this.refuse(reply, checked.reason);
    const signed = await this.signed(checked.link, token);
    if (signed) return signed;
    const { content, sha } = this.content(checked.link);
    return signPage(`/sign/${token}`, content, sha);
  }

  @Post('sign/*')
  @HttpCode(303)
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async sign(
    @Param('*') token: string,
    @Body() body: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const checked = await this.links.verify(token, 'sign');
    if (!checked.ok) return this.refuse(reply, checked.reason);
    const { link } = checked;
    const form = (body ?? {}) as Record<string, unknown>;
    const values: SignFormValues = {
      signerName: text(form.signerName, 200)?.trim(),
      signerRole: form.signerRole === 'personal-representative' ? 'personal-representative' : 'self',
      representativeAuthority: text(form.representativeAuthority, 2000)?.trim(),
    };
    const { content, sha } = this.content(link);
    const again = (errors: string[], status = 422) => {
      reply.code(status);
      return signPage(`/sign/${token}`, content, sha, values, errors);
    };
    if (await this.signed(link, token)) return this.redirect(reply, `/sign/${token}`);
    if (form.agree !== 'yes') return again(['Tick the box to confirm that you have read the form and sign it.']);
    const image = text(form.image, 1_000_000);
    const drawn = form.method === 'drawn' && typeof image === 'string' && image.length > 0;
    const draft = link.draft!;
    const grant = {
      ...draft,
      statements: { rightToRevoke: true, noConditioning: true, redisclosure: true },
      signature: {
        signerName: values.signerName ?? '',
        signedAt: this.streams.now().toISOString(),
        signerRole: values.signerRole,
        representativeAuthority: values.signerRole === 'personal-representative' ? values.representativeAuthority || null : null,
        method: drawn ? 'drawn' : 'typed',
        image: drawn ? image : null,
        // E3: who signed through what: the link, the address and browser it was used from.
        authentication: {
          method: 'signing-link',
          ip: request.ip ?? null,
          userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'].slice(0, 1000) : null,
          sessionId: link.linkId,
        },
      },
    } as GrantAuthorizationRequest;
    try {
      await this.commands.execute(new GrantAuthorizationCommand(link.subjectId, grant, {
        tenantId: link.tenantId,
        actor: `signing-link:${link.linkId}`,
        correlationId: String(request.id),
      }, { shownContentSha256: text(form.contentSha256, 64) ?? '' }));
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      if (error.slug === 'defective-authorization') {
        const missing = (error.extensions.missingElements ?? []) as MissingElement[];
        return again([...new Set(missing.map((m) => PATIENT_MESSAGES[m.element] ?? 'This form cannot be signed as it is. Please contact your care provider.'))]);
      }
      if (error.slug === 'form-content-changed') return again(['The form changed while you were reading it. Please read it again and sign.'], 409);
      if (error.slug === 'validation-failed') return again(['Your drawing could not be read. Clear it and draw again, or sign with your typed name only.'], 400);
      if (error.slug === 'authorization-exists') return this.redirect(reply, `/sign/${token}`);
      throw error;
    }
    return this.redirect(reply, `/sign/${token}`);
  }

  /** The signed copy, as stored: offered for download from the page after signing (recorded as given: PortalCopies). */
  private async document(token: string, reply: FastifyReply): Promise<void> {
    const checked = await this.links.verify(token, 'sign');
    if (!checked.ok) {
      await reply.status(checked.reason === 'expired' ? 410 : 403).headers({ 'content-type': HTML, 'cache-control': 'no-store' })
        .send(refusedPage(checked.reason, 'signing'));
      return;
    }
    const { link } = checked;
    const found = await this.reader.read(link.tenantId, link.subjectId, link.draft!.authorizationId);
    await this.copies.downloaded(link, link.draft!.authorizationId, `signing-link:${link.linkId}`, String(reply.request.id));
    await reply.status(200).headers(documentHeaders(found, 'attachment')).send(Buffer.from(found.document.content));
  }

  private content(link: HostedLink) {
    const draft = link.draft!;
    const form = findForm(draft.formId, draft.formVersion);
    if (!form) throw new Problem(410, 'form-withdrawn', 'Form not available', 'The form of this link is not published.');
    const content = fillForm(form, draftTerms(draft));
    return { content, sha: contentSha256(content) };
  }

  /** The page after signing, when the link's authorization is already recorded. */
  private async signed(link: HostedLink, token: string): Promise<string | null> {
    const { state } = await this.streams.load(subjectDecider, subjectStreamId(link.tenantId, link.subjectId));
    const record = findAuthorization(state, link.draft!.authorizationId);
    if (!record) return null;
    const now = this.streams.now().toISOString();
    const title = findForm(record.formId, record.formVersion)?.title ?? 'Your authorization';
    return signedPage(title, authorizationStatusAt(record, now, now), record.signature.signedAt, `/sign/${token}/document`);
  }

  private refuse(reply: FastifyReply, reason: 'expired' | 'invalid'): string {
    reply.code(reason === 'expired' ? 410 : 403);
    return refusedPage(reason, 'signing');
  }

  /** Post/redirect/get: a reload never signs twice. */
  private redirect(reply: FastifyReply, location: string): string {
    reply.code(303).header('location', location);
    return '';
  }
}
