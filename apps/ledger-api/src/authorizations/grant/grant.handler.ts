import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { type DomainError, subjectDecider, subjectStreamId, type GrantAuthorization } from '@app/domain';
import { domainProblem } from '../../http/domain-problem';
import type { CommandMeta } from '../../ledger/command-meta';
import { LedgerStreams } from '../../ledger/ledger-streams';
import { GrantDocuments } from './grant-document';
import type { GrantAuthorizationRequest } from './grant.request';

export interface GrantOptions {
  /** The SHA-256 of the form content the signer was shown (hosted signing page): refused if it is not what is signed. */
  shownContentSha256?: string;
}

export class GrantAuthorizationCommand {
  constructor(
    readonly subjectId: string,
    readonly request: GrantAuthorizationRequest,
    readonly meta: CommandMeta,
    readonly options: GrantOptions = {},
  ) {}
}

export interface GrantAuthorizationResponse {
  authorizationId: string;
  status: 'active';
  position: string;
  documentUrl: string;
}

/**
 * Validate, render, store, sign, append. The domain (with the form catalogue) lists every defect first, so a refused
 * authorization stores and appends nothing; the stored document's SHA-256 and the ledger's JWS over it go into the
 * grant event (E1, E4).
 */
@CommandHandler(GrantAuthorizationCommand)
export class GrantAuthorizationHandler implements ICommandHandler<GrantAuthorizationCommand, GrantAuthorizationResponse> {
  constructor(private readonly streams: LedgerStreams, private readonly documents: GrantDocuments) {}

  async execute({ subjectId, request, meta, options }: GrantAuthorizationCommand): Promise<GrantAuthorizationResponse> {
    const command: GrantAuthorization = {
      type: 'GrantAuthorization',
      subjectId,
      ...request,
      // The id is fixed before rendering: the PDF names it.
      authorizationId: request.authorizationId ?? randomUUID(),
      statements: request.statements ? { ...request.statements } : undefined,
      remuneration: request.remuneration ? { ...request.remuneration } : undefined,
      signature: request.signature
        ? { ...request.signature, authentication: request.signature.authentication ? { ...request.signature.authentication } : request.signature.authentication }
        : undefined,
      part2: request.part2 ? { ...request.part2 } : undefined,
    } as GrantAuthorization;
    const streamId = subjectStreamId(meta.tenantId, subjectId);

    // A dry run of the decider on the current state: every defect at once, before anything is stored.
    const { state } = await this.streams.load(subjectDecider, streamId);
    const now = this.streams.now().toISOString();
    const dry = subjectDecider.decide(command, state, { now, newId: randomUUID, settings: await this.streams.settingsNow(meta.tenantId, now) });
    const extra = this.documents.defects(command);
    if (!dry.ok) throw domainProblem(withDefects(dry.error, extra));
    if (extra.length > 0) throw domainProblem(withDefects(null, extra));
    const granted = dry.events.find((event) => event.type === 'AuthorizationGranted');
    if (granted?.type !== 'AuthorizationGranted') throw new Error('a grant decided no AuthorizationGranted');

    const document = await this.documents.record(meta.tenantId, command, granted.data, options.shownContentSha256);
    const result = await this.streams.execute(subjectDecider, streamId, {
      ...command,
      documentSha256: document.documentSha256,
      documentSignature: document.documentSignature,
    }, meta);
    if (!result.ok) throw domainProblem(result.error);
    const authorizationId = command.authorizationId!;
    return {
      authorizationId,
      status: 'active',
      position: result.position,
      documentUrl: `/v1/subjects/${encodeURIComponent(subjectId)}/authorizations/${encodeURIComponent(authorizationId)}/document`,
    };
  }
}

/** One DefectiveAuthorization listing the domain's defects and the catalogue's, without repeating an element. */
function withDefects(error: DomainError | null, extra: ReturnType<GrantDocuments['defects']>): DomainError {
  if (error && error.code !== 'DefectiveAuthorization') return error;
  const listed = error?.code === 'DefectiveAuthorization' ? error.missingElements : [];
  const missingElements = [...listed, ...extra.filter((e) => !listed.some((l) => l.element === e.element))];
  const n = missingElements.length;
  return {
    code: 'DefectiveAuthorization',
    message: `the authorization is defective (45 CFR 164.508(b)(2)): ${n} element${n === 1 ? '' : 's'} missing or invalid`,
    missingElements,
  };
}
