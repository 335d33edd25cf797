import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { subjectDecider, subjectStreamId } from '@app/domain';
import { domainProblem } from '../../http/domain-problem';
import type { CommandMeta } from '../../ledger/command-meta';
import { LedgerStreams } from '../../ledger/ledger-streams';

export class UnlinkContactCommand {
  constructor(readonly subjectId: string, readonly contactKey: string, readonly meta: CommandMeta) {}
}

@CommandHandler(UnlinkContactCommand)
export class UnlinkContactHandler implements ICommandHandler<UnlinkContactCommand, { position: string }> {
  constructor(private readonly streams: LedgerStreams) {}

  async execute({ subjectId, contactKey, meta }: UnlinkContactCommand): Promise<{ position: string }> {
    const result = await this.streams.execute(subjectDecider, subjectStreamId(meta.tenantId, subjectId),
      { type: 'UnlinkContact', contactKey }, meta);
    if (!result.ok) throw domainProblem(result.error);
    return { position: result.position };
  }
}
