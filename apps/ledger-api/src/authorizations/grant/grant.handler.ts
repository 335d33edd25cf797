import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { subjectDecider, subjectStreamId, type GrantAuthorization } from '@app/domain';
import { domainProblem } from '../../http/domain-problem';
import type { CommandMeta } from '../../ledger/command-meta';
import { LedgerStreams } from '../../ledger/ledger-streams';
import type { GrantAuthorizationRequest } from './grant.request';

export class GrantAuthorizationCommand {
  constructor(readonly subjectId: string, readonly request: GrantAuthorizationRequest, readonly meta: CommandMeta) {}
}

export interface GrantAuthorizationResponse { authorizationId: string; status: 'active'; position: string; documentUrl: string }

@CommandHandler(GrantAuthorizationCommand)
export class GrantAuthorizationHandler implements ICommandHandler<GrantAuthorizationCommand, GrantAuthorizationResponse> {
  constructor(private readonly streams: LedgerStreams) {}

  async execute({ subjectId, request, meta }: GrantAuthorizationCommand): Promise<GrantAuthorizationResponse> {
    const command: GrantAuthorization = {
      type: 'GrantAuthorization',
      subjectId,
      ...request,
      statements: request.statements ? { ...request.statements } : undefined,
      remuneration: request.remuneration ? { ...request.remuneration } : undefined,
      signature: request.signature ? { ...request.signature } : undefined,
    } as GrantAuthorization;
    const result = await this.streams.execute(subjectDecider, subjectStreamId(meta.tenantId, subjectId), command, meta);
    if (!result.ok) throw domainProblem(result.error);
    const granted = result.events.find((event) => event.type === 'AuthorizationGranted');
    const authorizationId = granted?.type === 'AuthorizationGranted' ? granted.data.authorizationId : request.authorizationId!;
    return {
      authorizationId,
      status: 'active',
      position: result.position,
      documentUrl: `/v1/subjects/${encodeURIComponent(subjectId)}/authorizations/${encodeURIComponent(authorizationId)}/document`,
    };
  }
}
