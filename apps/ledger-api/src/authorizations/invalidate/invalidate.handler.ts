import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { findAuthorization, subjectDecider, subjectStreamId } from '@app/domain';
import { domainProblem } from '../../http/domain-problem';
import type { CommandMeta } from '../../ledger/command-meta';
import { LedgerStreams } from '../../ledger/ledger-streams';
import type { InvalidateAuthorizationRequest } from './invalidate.request';

export class InvalidateAuthorizationCommand {
  constructor(
    readonly subjectId: string,
    readonly authorizationId: string,
    readonly request: InvalidateAuthorizationRequest,
    readonly meta: CommandMeta,
  ) {}
}

export interface InvalidateAuthorizationResponse {
  authorizationId: string;
  status: 'invalidated';
  defect: string;
  rule: string;
  effectiveAt: string;
  position: string;
}

/** H8, 164.508(b)(2): a defect discovered after intake; effective from its discovery. A repeat answers the first. */
@CommandHandler(InvalidateAuthorizationCommand)
export class InvalidateAuthorizationHandler implements ICommandHandler<InvalidateAuthorizationCommand, InvalidateAuthorizationResponse> {
  constructor(private readonly streams: LedgerStreams) {}

  async execute({ subjectId, authorizationId, request, meta }: InvalidateAuthorizationCommand): Promise<InvalidateAuthorizationResponse> {
    const result = await this.streams.execute(subjectDecider, subjectStreamId(meta.tenantId, subjectId), {
      type: 'InvalidateAuthorization', authorizationId, defect: request.defect, discoveredAt: request.discoveredAt,
    }, meta);
    if (!result.ok) throw domainProblem(result.error);
    const invalidation = findAuthorization(result.state, authorizationId)!.invalidation!;
    return {
      authorizationId,
      status: 'invalidated',
      defect: invalidation.defect,
      rule: invalidation.rule,
      effectiveAt: invalidation.effectiveAt,
      position: result.appended ? result.position : invalidation.evidence?.position ?? result.position,
    };
  }
}
