import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { contactDecider, contactStreamId } from '@app/domain';
import { domainProblem } from '../../http/domain-problem';
import type { CommandMeta } from '../../ledger/command-meta';
import { LedgerStreams } from '../../ledger/ledger-streams';
import { normaliseContact } from '../contact-value';
import type { ContactOptInRequest, ContactOptOutRequest } from './contact-choice.request';

/** An opt-out or opt-in by address alone (CAN-SPAM C1): no subject needed. */
export class ContactChoiceCommand {
  constructor(
    readonly choice: 'opt-out' | 'opt-in',
    readonly request: ContactOptOutRequest | ContactOptInRequest,
    readonly meta: CommandMeta,
  ) {}
}

export interface ContactChoiceResponse { position: string; contactKey: string }

@CommandHandler(ContactChoiceCommand)
export class ContactChoiceHandler implements ICommandHandler<ContactChoiceCommand, ContactChoiceResponse> {
  constructor(private readonly streams: LedgerStreams) {}

  async execute({ choice, request, meta }: ContactChoiceCommand): Promise<ContactChoiceResponse> {
    const contact = normaliseContact(request.type, request.value);
    const common = {
      contactType: contact.type,
      value: contact.value,
      contactKey: contact.contactKey,
      purpose: request.purpose,
      channel: request.channel,
      occurredAt: request.occurredAt,
    };
    const command = choice === 'opt-out'
      ? { type: 'OptOutContact' as const, ...common, source: (request as ContactOptOutRequest).source }
      : { type: 'OptInContact' as const, ...common, source: (request as ContactOptInRequest).source };
    const result = await this.streams.execute(contactDecider, contactStreamId(meta.tenantId, contact.contactKey), command, meta);
    if (!result.ok) throw domainProblem(result.error);
    return { position: result.position, contactKey: contact.contactKey };
  }
}
