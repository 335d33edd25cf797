import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { esignConsentAt, subjectDecider, subjectStreamId } from '@app/domain';
import { domainProblem } from '../http/domain-problem';
import type { CommandMeta } from '../ledger/command-meta';
import { LedgerStreams } from '../ledger/ledger-streams';
import type { GiveEsignConsentRequest, WithdrawEsignConsentQuery } from './esign-consent.request';

export class GiveEsignConsentCommand {
  constructor(readonly subjectId: string, readonly request: GiveEsignConsentRequest, readonly meta: CommandMeta) {}
}

export class WithdrawEsignConsentCommand {
  constructor(readonly subjectId: string, readonly request: WithdrawEsignConsentQuery, readonly meta: CommandMeta) {}
}

export interface EsignConsentResponse {
  /** Whether an ESIGN consent is in force after the command (as of its time). */
  esignConsent: 'given' | 'withdrawn' | 'none';
  disclosureVersion: string | null;
  position: string;
}

/** E2, 15 U.S.C. 7001(c): consent to electronic records (a repeat appends nothing). */
@CommandHandler(GiveEsignConsentCommand)
export class GiveEsignConsentHandler implements ICommandHandler<GiveEsignConsentCommand, EsignConsentResponse> {
  constructor(private readonly streams: LedgerStreams) {}

  async execute({ subjectId, request, meta }: GiveEsignConsentCommand): Promise<EsignConsentResponse> {
    const result = await this.streams.execute(subjectDecider, subjectStreamId(meta.tenantId, subjectId), {
      type: 'GiveEsignConsent',
      disclosureVersion: request.disclosureVersion,
      demonstratedAccess: request.demonstratedAccess,
      givenAt: request.givenAt,
    }, meta);
    if (!result.ok) throw domainProblem(result.error);
    const now = this.streams.now().toISOString();
    const consent = esignConsentAt(result.state, request.givenAt ?? now, now);
    return {
      esignConsent: 'given',
      disclosureVersion: request.disclosureVersion,
      position: result.appended ? result.position : consent?.evidence?.position ?? result.position,
    };
  }
}

/** E2: withdrawing the consent; later electronic copies are refused. Without a consent in force, nothing is appended. */
@CommandHandler(WithdrawEsignConsentCommand)
export class WithdrawEsignConsentHandler implements ICommandHandler<WithdrawEsignConsentCommand, EsignConsentResponse> {
  constructor(private readonly streams: LedgerStreams) {}

  async execute({ subjectId, request, meta }: WithdrawEsignConsentCommand): Promise<EsignConsentResponse> {
    const result = await this.streams.execute(subjectDecider, subjectStreamId(meta.tenantId, subjectId), {
      type: 'WithdrawEsignConsent', withdrawnAt: request.withdrawnAt,
    }, meta);
    if (!result.ok) throw domainProblem(result.error);
    const withdrawn = result.events.find((e) => e.type === 'EsignConsentWithdrawn');
    return {
      esignConsent: withdrawn ? 'withdrawn' : 'none',
      disclosureVersion: withdrawn?.type === 'EsignConsentWithdrawn' ? withdrawn.data.disclosureVersion : null,
      position: result.position,
    };
  }
}
