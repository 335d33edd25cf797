import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { subjectDecider, subjectStreamId } from '@app/domain';
import { domainProblem } from '../../http/domain-problem';
import type { CommandMeta } from '../../ledger/command-meta';
import { LedgerStreams } from '../../ledger/ledger-streams';
import { normaliseContact } from '../contact-value';
import type { LinkContactRequest } from './link-contact.request';

export class LinkContactCommand {
  constructor(readonly subjectId: string, readonly request: LinkContactRequest, readonly meta: CommandMeta) {}
}

@CommandHandler(LinkContactCommand)
export class LinkContactHandler implements ICommandHandler<LinkContactCommand, { position: string; contactKey: string }> {
  constructor(private readonly streams: LedgerStreams) {}

  async execute({ subjectId, request, meta }: LinkContactCommand): Promise<{ position: string; contactKey: string }> {
    const contact = normaliseContact(request.type, request.value);
    const result = await this.streams.execute(subjectDecider, subjectStreamId(meta.tenantId, subjectId), {
      type: 'LinkContact', contactType: contact.type, value: contact.value, contactKey: contact.contactKey, effectiveAt: request.effectiveAt,
    }, meta);
    if (!result.ok) throw domainProblem(result.error);
    return { position: result.position, contactKey: contact.contactKey };
  }
}
