import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { findAuthorization, subjectDecider, subjectStreamId, WRITTEN_REVOCATION_CHANNELS } from '@app/domain';
import { domainProblem } from '../../http/domain-problem';
import type { CommandMeta } from '../../ledger/command-meta';
import { LedgerStreams } from '../../ledger/ledger-streams';
import type { RevokeAuthorizationRequest } from './revoke.request';

export class RevokeAuthorizationCommand {
  constructor(
    readonly subjectId: string,
    readonly authorizationId: string,
    readonly request: RevokeAuthorizationRequest,
    readonly meta: CommandMeta,
  ) {}
}

export interface RevokeAuthorizationResponse { authorizationId: string; status: 'revoked' | 'revocation-requested'; position: string }

@CommandHandler(RevokeAuthorizationCommand)
export class RevokeAuthorizationHandler implements ICommandHandler<RevokeAuthorizationCommand, RevokeAuthorizationResponse> {
  constructor(private readonly streams: LedgerStreams) {}

  async execute({ subjectId, authorizationId, request, meta }: RevokeAuthorizationCommand): Promise<RevokeAuthorizationResponse> {
    const result = await this.streams.execute(subjectDecider, subjectStreamId(meta.tenantId, subjectId), {
      type: 'RevokeAuthorization',
      authorizationId,
      receivedVia: request.receivedVia,
      receivedAt: request.receivedAt ?? this.streams.now().toISOString(),
      note: request.note ?? null,
    }, meta);
    if (!result.ok) throw domainProblem(result.error);
    const record = findAuthorization(result.state, authorizationId)!;
    if (record.revocation) {
      // A repeated written revocation appends nothing and answers the first one's position.
      return { authorizationId, status: 'revoked', position: result.appended ? result.position : record.revocation.evidence?.position ?? result.position };
    }
    const written = (WRITTEN_REVOCATION_CHANNELS as readonly string[]).includes(request.receivedVia);
    const position = result.appended ? result.position : record.revocationRequest?.evidence?.position ?? result.position;
    return { authorizationId, status: written ? 'revoked' : 'revocation-requested', position };
  }
}
