import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { subjectDecider, subjectStreamId } from '@app/domain';
import { domainProblem } from '../../http/domain-problem';
import type { CommandMeta } from '../../ledger/command-meta';
import { LedgerStreams } from '../../ledger/ledger-streams';
import type { CopyProvidedRequest } from './copy-provided.request';

export class RecordCopyProvidedCommand {
  constructor(readonly subjectId: string, readonly authorizationId: string, readonly request: CopyProvidedRequest, readonly meta: CommandMeta) {}
}

export interface CopyProvidedResponse {
  authorizationId: string;
  method: string;
  /** E2: the ESIGN consent an electronic copy rested on; null for paper. */
  esignConsent: { disclosureVersion: string; givenAt: string } | null;
  position: string;
}

/** H7, 164.508(c)(4): the individual got a copy; E2: electronically only on an ESIGN consent (409 otherwise). */
@CommandHandler(RecordCopyProvidedCommand)
export class RecordCopyProvidedHandler implements ICommandHandler<RecordCopyProvidedCommand, CopyProvidedResponse> {
  constructor(private readonly streams: LedgerStreams) {}

  async execute({ subjectId, authorizationId, request, meta }: RecordCopyProvidedCommand): Promise<CopyProvidedResponse> {
    const result = await this.streams.execute(subjectDecider, subjectStreamId(meta.tenantId, subjectId), {
      type: 'RecordCopyProvided', authorizationId, method: request.method, providedAt: request.providedAt,
    }, meta);
    if (!result.ok) throw domainProblem(result.error);
    const copy = result.events.find((e) => e.type === 'AuthorizationCopyProvided');
    return {
      authorizationId,
      method: request.method,
      esignConsent: copy?.type === 'AuthorizationCopyProvided' ? copy.data.esignConsent : null,
      position: result.position,
    };
  }
}
