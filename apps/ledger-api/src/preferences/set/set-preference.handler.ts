import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { subjectDecider, subjectStreamId } from '@app/domain';
import { domainProblem } from '../../http/domain-problem';
import type { CommandMeta } from '../../ledger/command-meta';
import { LedgerStreams } from '../../ledger/ledger-streams';
import type { SetPreferenceRequest } from './set-preference.request';

export class SetPreferenceCommand {
  constructor(readonly subjectId: string, readonly request: SetPreferenceRequest, readonly meta: CommandMeta) {}
}

@CommandHandler(SetPreferenceCommand)
export class SetPreferenceHandler implements ICommandHandler<SetPreferenceCommand, { position: string }> {
  constructor(private readonly streams: LedgerStreams) {}

  async execute({ subjectId, request, meta }: SetPreferenceCommand): Promise<{ position: string }> {
    const result = await this.streams.execute(subjectDecider, subjectStreamId(meta.tenantId, subjectId),
      { type: 'SetPreference', ...request }, meta);
    if (!result.ok) throw domainProblem(result.error);
    return { position: result.position };
  }
}
