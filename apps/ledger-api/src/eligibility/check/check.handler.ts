import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { type Decision, type EligibilityRequest, evaluateConsidering, subjectDecider } from '@app/domain';
import { normaliseContact } from '../../contacts/contact-value';
import { Problem } from '../../http/problem';
import { LedgerStreams } from '../../ledger/ledger-streams';
import { ReadPosition } from '../../ledger/read-position';
import { type EligibilitySnapshot, EligibilityStates } from '../eligibility-states';
import type { EligibilityCheckRequest } from './check.request';

export class EligibilityCheckQuery {
  constructor(readonly tenantId: string, readonly request: EligibilityCheckRequest) {}
}

export type EligibilityAnswer = Decision & { position: string; evaluatedAt: string };

export const ELIGIBILITY_PROJECTION = { projection: 'eligibility' } as const;

/** One decision from a snapshot: the same for a single check and for every line of a scrub. */
export function decide(snapshot: EligibilitySnapshot, subjectId: string | undefined, contactKey: string | undefined,
  request: EligibilityRequest, asOf: string, knownAt: string): Decision {
  const subject = subjectId
    ? snapshot.subjects.get(subjectId) ?? subjectDecider.initialState({ subjectId })
    : undefined;
  return evaluateConsidering(subject, contactKey, snapshot.contacts, request, asOf, knownAt, snapshot.tenant);
}

/** A question about the past (asOf before now, or any knownAt) is the audit path: it folds the streams. */
export function isAuditQuestion(options: { asOf?: string; knownAt?: string }, nowMs: number): boolean {
  return options.knownAt !== undefined || (options.asOf !== undefined && Date.parse(options.asOf) < nowMs);
}

/**
 * "May we send this?" — answered by the one pure `evaluate` of libs/domain over folded states: from the eligibility
 * read model for the live question, from the streams for a question about the past.
 */
@QueryHandler(EligibilityCheckQuery)
export class EligibilityCheckHandler implements IQueryHandler<EligibilityCheckQuery, EligibilityAnswer> {
  constructor(private readonly streams: LedgerStreams, private readonly read: ReadPosition, private readonly states: EligibilityStates) {}

  async execute({ tenantId, request }: EligibilityCheckQuery): Promise<EligibilityAnswer> {
    const errors = [];
    if (!request.subjectId && !request.contact) errors.push({ field: 'subjectId', message: 'subjectId or contact is required' });
    if ((request.purpose === undefined) === (request.communication === undefined)) {
      errors.push({ field: 'purpose', message: 'exactly one of purpose and communication is required' });
    }
    if (errors.length > 0) throw Problem.badRequest('The eligibility question is incomplete.', errors);
    const contact = request.contact ? normaliseContact(request.contact.type, request.contact.value, 'contact.value') : undefined;
    const audit = isAuditQuestion(request, this.streams.now().getTime());
    const source = audit ? 'streams' : ELIGIBILITY_PROJECTION;
    const instant = await this.read.prepare(request, source);
    const snapshot = await this.states.loadOne(audit ? 'streams' : 'read-model', tenantId,
      request.subjectId ? [request.subjectId] : [], contact ? [contact.contactKey] : []);
    const decision = decide(snapshot, request.subjectId, contact?.contactKey, {
      channel: request.channel,
      purpose: request.purpose,
      communication: request.communication ? { ...request.communication } : undefined,
      usesPart2Data: request.usesPart2Data ?? false,
      contactKey: contact?.contactKey,
    }, instant.asOf, instant.knownAt);
    return { ...decision, position: snapshot.position.toString(), evaluatedAt: instant.now };
  }
}
