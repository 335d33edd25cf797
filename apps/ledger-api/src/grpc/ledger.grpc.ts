import { create, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import type { Metadata, sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { Injectable } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { type Scope, TokenVerifier } from '@app/security';
import { RecordCopyProvidedCommand } from '../authorizations/copy-provided/copy-provided.handler';
import { CopyProvidedRequest } from '../authorizations/copy-provided/copy-provided.request';
import { RecordExpirationEventCommand } from '../authorizations/expiration-events/expiration-event.handler';
import { ExpirationEventRequest } from '../authorizations/expiration-events/expiration-event.request';
import { GrantAuthorizationCommand } from '../authorizations/grant/grant.handler';
import { GrantAuthorizationRequest } from '../authorizations/grant/grant.request';
import { InvalidateAuthorizationCommand } from '../authorizations/invalidate/invalidate.handler';
import { InvalidateAuthorizationRequest } from '../authorizations/invalidate/invalidate.request';
import { RevokeAuthorizationCommand } from '../authorizations/revoke/revoke.handler';
import { RevokeAuthorizationRequest } from '../authorizations/revoke/revoke.request';
import { LinkContactCommand } from '../contacts/link/link-contact.handler';
import { LinkContactRequest } from '../contacts/link/link-contact.request';
import { ContactChoiceCommand } from '../contacts/opt-out/contact-choice.handler';
import { ContactOptInRequest, ContactOptOutRequest } from '../contacts/opt-out/contact-choice.request';
import { UnlinkContactCommand } from '../contacts/unlink/unlink-contact.handler';
import { EraseSubjectCommand } from '../erasure/erase-subject.handler';
import { GiveEsignConsentCommand, WithdrawEsignConsentCommand } from '../esign/esign-consent.handler';
import { GiveEsignConsentRequest, WithdrawEsignConsentQuery } from '../esign/esign-consent.request';
import { Problem } from '../http/problem';
import type { CommandMeta } from '../ledger/command-meta';
import { SetPreferenceCommand } from '../preferences/set/set-preference.handler';
import { SetPreferenceRequest } from '../preferences/set/set-preference.request';
import { RecordInboundSmsCommand } from '../sms/inbound/inbound-sms.handler';
import { InboundSmsRequest } from '../sms/inbound/inbound-sms.request';
import { ResolveReviewCommand } from '../sms/review-queue/review-queue.handler';
import { ResolveReviewRequest } from '../sms/review-queue/review-queue.request';
import { ChangeTenantSettingsCommand, GetTenantSettingsQuery } from '../tenant/settings/settings.handler';
import { TenantSettingsRequest } from '../tenant/settings/settings.request';
import { LedgerService } from './gen/consent/v1/ledger_pb';
import { authenticate } from './grpc-auth';
import { commandMeta, identifier, validated } from './grpc-request';
import { toGrpcError } from './grpc-status';

type Handler<Req, D extends DescMessage> = (request: Req, meta: CommandMeta) => Promise<MessageInitShape<D>>;

/**
 * LedgerService: each method validates with the HTTP request DTO, runs the same command (or, for GetTenantSettings, the
 * same query) through the bus under the HTTP route's scope and answers the same members (a null member is absent); a
 * refusal is the same Problem, turned into a status by grpc-status.ts.
 */
@Injectable()
export class LedgerGrpcService {
  constructor(private readonly commands: CommandBus, private readonly queries: QueryBus, private readonly verifier: TokenVerifier) {}

  implementation(): UntypedServiceImplementation {
    const m = LedgerService.method;
    return {
      [m.grantAuthorization.localName]: this.unary(m.grantAuthorization.output, ['consent:write'], async (req: MessageShape<typeof m.grantAuthorization.input>, meta) => {
        const subjectId = identifier(req.subjectId, 'subjectId');
        const body = await validated(GrantAuthorizationRequest, { ...(req.authorization ?? {}) });
        return this.commands.execute(new GrantAuthorizationCommand(subjectId, body, meta));
      }),
      [m.revokeAuthorization.localName]: this.unary(m.revokeAuthorization.output, ['consent:write'], async (req: MessageShape<typeof m.revokeAuthorization.input>, meta) => {
        const body = await validated(RevokeAuthorizationRequest, { receivedVia: req.receivedVia, receivedAt: req.receivedAt, note: req.note });
        return this.commands.execute(new RevokeAuthorizationCommand(
          identifier(req.subjectId, 'subjectId'), identifier(req.authorizationId, 'authorizationId'), body, meta));
      }),
      [m.recordExpirationEvent.localName]: this.unary(m.recordExpirationEvent.output, ['consent:write'], async (req: MessageShape<typeof m.recordExpirationEvent.input>, meta) => {
        const body = await validated(ExpirationEventRequest, { subjectId: req.subjectId, event: req.event, occurredAt: req.occurredAt });
        return this.commands.execute(new RecordExpirationEventCommand(body, meta));
      }),
      [m.setPreference.localName]: this.unary(m.setPreference.output, ['consent:write'], async (req: MessageShape<typeof m.setPreference.input>, meta) => {
        const body = await validated(SetPreferenceRequest, { purpose: req.purpose, channel: req.channel, choice: req.choice, source: req.source });
        return this.commands.execute(new SetPreferenceCommand(identifier(req.subjectId, 'subjectId'), body, meta));
      }),
      [m.linkContact.localName]: this.unary(m.linkContact.output, ['consent:write'], async (req: MessageShape<typeof m.linkContact.input>, meta) => {
        const body = await validated(LinkContactRequest, { type: req.type, value: req.value });
        return this.commands.execute(new LinkContactCommand(identifier(req.subjectId, 'subjectId'), body, meta));
      }),
      [m.unlinkContact.localName]: this.unary(m.unlinkContact.output, ['consent:write'], async (req: MessageShape<typeof m.unlinkContact.input>, meta) =>
        this.commands.execute(new UnlinkContactCommand(identifier(req.subjectId, 'subjectId'), identifier(req.contactKey, 'contactKey'), meta))),
      [m.recordContactChoice.localName]: this.unary(m.recordContactChoice.output, ['consent:write'], async (req: MessageShape<typeof m.recordContactChoice.input>, meta) => {
        if (req.choice !== 'opt-out' && req.choice !== 'opt-in') {
          throw Problem.badRequest('1 field(s) are not valid.', [{ field: 'choice', message: 'must be opt-out or opt-in' }]);
        }
        const plain = { type: req.type, value: req.value, purpose: req.purpose, channel: req.channel, source: req.source, occurredAt: req.occurredAt };
        const body = req.choice === 'opt-out' ? await validated(ContactOptOutRequest, plain) : await validated(ContactOptInRequest, plain);
        return this.commands.execute(new ContactChoiceCommand(req.choice, body, meta));
      }),
      [m.recordCopyProvided.localName]: this.unary(m.recordCopyProvided.output, ['consent:write'], async (req: MessageShape<typeof m.recordCopyProvided.input>, meta) => {
        const body = await validated(CopyProvidedRequest, { method: req.method, providedAt: req.providedAt });
        return this.commands.execute(new RecordCopyProvidedCommand(
          identifier(req.subjectId, 'subjectId'), identifier(req.authorizationId, 'authorizationId'), body, meta));
      }),
      [m.invalidateAuthorization.localName]: this.unary(m.invalidateAuthorization.output, ['consent:write'], async (req: MessageShape<typeof m.invalidateAuthorization.input>, meta) => {
        const body = await validated(InvalidateAuthorizationRequest, { defect: req.defect, discoveredAt: req.discoveredAt });
        return this.commands.execute(new InvalidateAuthorizationCommand(
          identifier(req.subjectId, 'subjectId'), identifier(req.authorizationId, 'authorizationId'), body, meta));
      }),
      [m.giveEsignConsent.localName]: this.unary(m.giveEsignConsent.output, ['consent:write'], async (req: MessageShape<typeof m.giveEsignConsent.input>, meta) => {
        const body = await validated(GiveEsignConsentRequest, { disclosureVersion: req.disclosureVersion, demonstratedAccess: req.demonstratedAccess, givenAt: req.givenAt });
        return this.commands.execute(new GiveEsignConsentCommand(identifier(req.subjectId, 'subjectId'), body, meta));
      }),
      [m.withdrawEsignConsent.localName]: this.unary(m.withdrawEsignConsent.output, ['consent:write'], async (req: MessageShape<typeof m.withdrawEsignConsent.input>, meta) => {
        const query = await validated(WithdrawEsignConsentQuery, { withdrawnAt: req.withdrawnAt });
        return this.commands.execute(new WithdrawEsignConsentCommand(identifier(req.subjectId, 'subjectId'), query, meta));
      }),
      [m.recordInboundSms.localName]: this.unary(m.recordInboundSms.output, ['consent:write'], async (req: MessageShape<typeof m.recordInboundSms.input>, meta) => {
        const body = await validated(InboundSmsRequest, {
          from: req.from, body: req.body, receivedAt: req.receivedAt, inReplyTo: req.inReplyTo ? { purpose: req.inReplyTo.purpose } : undefined,
        });
        return this.commands.execute(new RecordInboundSmsCommand(body, meta));
      }),
      [m.resolveSmsReview.localName]: this.unary(m.resolveSmsReview.output, ['consent:write'], async (req: MessageShape<typeof m.resolveSmsReview.input>, meta) => {
        const body = await validated(ResolveReviewRequest, { outcome: req.outcome, resolvedAt: req.resolvedAt });
        return this.commands.execute(new ResolveReviewCommand(identifier(req.reviewId, 'reviewId'), body, meta));
      }),
      [m.getTenantSettings.localName]: this.unary(m.getTenantSettings.output, ['admin'], async (_req: MessageShape<typeof m.getTenantSettings.input>, meta) =>
        this.queries.execute(new GetTenantSettingsQuery(meta.tenantId))),
      [m.setTenantSettings.localName]: this.unary(m.setTenantSettings.output, ['admin'], async (req: MessageShape<typeof m.setTenantSettings.input>, meta) => {
        const body = await validated(TenantSettingsRequest, {
          timeZone: req.timeZone, fundraisingStatementInNotice: req.fundraisingStatementInNotice, retentionYears: req.retentionYears, effectiveAt: req.effectiveAt,
        });
        return this.commands.execute(new ChangeTenantSettingsCommand(body, meta));
      }),
      [m.eraseSubject.localName]: this.unary(m.eraseSubject.output, ['admin'], async (req: MessageShape<typeof m.eraseSubject.input>, meta) =>
        this.commands.execute(new EraseSubjectCommand(identifier(req.subjectId, 'subjectId'), meta))),
    };
  }

  private unary<Req extends object, D extends DescMessage>(output: D, scopes: Scope[], handler: Handler<Req, D>) {
    return (call: ServerUnaryCall<Req, MessageShape<D>>, callback: sendUnaryData<MessageShape<D>>) => {
      this.run(call.metadata, call.getPath(), call.request, scopes, handler)
        .then((answer) => callback(null, create(output, answer)))
        .catch((error: unknown) => callback(toGrpcError(error), null));
    };
  }

  private async run<Req extends object, D extends DescMessage>(metadata: Metadata, path: string, request: Req, scopes: Scope[], handler: Handler<Req, D>) {
    const principal = await authenticate(this.verifier, metadata, scopes);
    return handler(request, commandMeta(principal, metadata, path, request));
  }
}

