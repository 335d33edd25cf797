import { create, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import type { Metadata, sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { type Scope, TokenVerifier } from '@app/security';
import { RecordExpirationEventCommand } from '../authorizations/expiration-events/expiration-event.handler';
import { ExpirationEventRequest } from '../authorizations/expiration-events/expiration-event.request';
import { GrantAuthorizationCommand } from '../authorizations/grant/grant.handler';
import { GrantAuthorizationRequest } from '../authorizations/grant/grant.request';
import { RevokeAuthorizationCommand } from '../authorizations/revoke/revoke.handler';
import { RevokeAuthorizationRequest } from '../authorizations/revoke/revoke.request';
import { LinkContactCommand } from '../contacts/link/link-contact.handler';
import { LinkContactRequest } from '../contacts/link/link-contact.request';
import { ContactChoiceCommand } from '../contacts/opt-out/contact-choice.handler';
import { ContactOptInRequest, ContactOptOutRequest } from '../contacts/opt-out/contact-choice.request';
import { UnlinkContactCommand } from '../contacts/unlink/unlink-contact.handler';
import { Problem } from '../http/problem';
import type { CommandMeta } from '../ledger/command-meta';
import { SetPreferenceCommand } from '../preferences/set/set-preference.handler';
import { SetPreferenceRequest } from '../preferences/set/set-preference.request';
import { LedgerService } from './gen/consent/v1/ledger_pb';
import { authenticate } from './grpc-auth';
import { commandMeta, identifier, validated } from './grpc-request';
import { toGrpcError } from './grpc-status';

type Handler<Req, D extends DescMessage> = (request: Req, meta: CommandMeta) => Promise<MessageInitShape<D>>;

/**
 * LedgerService: each method validates with the HTTP request DTO, runs the same command through the CommandBus and
 * answers the same members; a refusal is the same Problem, turned into a status by grpc-status.ts.
 */
@Injectable()
export class LedgerGrpcService {
  constructor(private readonly commands: CommandBus, private readonly verifier: TokenVerifier) {}

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

