import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import {
  contactDecider, contactStreamId, type ContactState, type Decision, evaluate, linkedContacts, subjectDecider, subjectStreamId,
  tenantDecider, tenantStreamId,
} from '@app/domain';
import { normaliseContact } from '../../contacts/contact-value';
import { Problem } from '../../http/problem';
import { LedgerStreams } from '../../ledger/ledger-streams';
import { ReadPosition } from '../../ledger/read-position';
import type { EligibilityCheckRequest } from './check.request';

export class EligibilityCheckQuery {
  constructor(readonly tenantId: string, readonly request: EligibilityCheckRequest) {}
}

export type EligibilityAnswer = Decision & { position: string; evaluatedAt: string };

/** Which kind of contact point a channel reaches. */
const CONTACT_TYPE_OF_CHANNEL: Record<string, 'email' | 'phone' | undefined> = { email: 'email', sms: 'phone', voice: 'phone' };

/**
 * "May we send this?" folded from the streams with the one pure `evaluate` of libs/domain. The read-model path of
 * the projections issue answers the same question with the same function.
 */
@QueryHandler(EligibilityCheckQuery)
export class EligibilityCheckHandler implements IQueryHandler<EligibilityCheckQuery, EligibilityAnswer> {
  constructor(private readonly streams: LedgerStreams, private readonly read: ReadPosition) {}

  async execute({ tenantId, request }: EligibilityCheckQuery): Promise<EligibilityAnswer> {
    const errors = [];
    if (!request.subjectId && !request.contact) errors.push({ field: 'subjectId', message: 'subjectId or contact is required' });
    if ((request.purpose === undefined) === (request.communication === undefined)) {
      errors.push({ field: 'purpose', message: 'exactly one of purpose and communication is required' });
    }
    if (errors.length > 0) throw Problem.badRequest('The eligibility question is incomplete.', errors);
    const contact = request.contact ? normaliseContact(request.contact.type, request.contact.value, 'contact.value') : undefined;
    const { asOf, knownAt, now } = await this.read.prepare(request);
    const position = (await this.streams.store.headPosition()).toString();

    const subject = request.subjectId
      ? (await this.streams.load(subjectDecider, subjectStreamId(tenantId, request.subjectId))).state
      : undefined;
    const wanted = CONTACT_TYPE_OF_CHANNEL[request.channel];
    const contactKeys = contact
      ? [contact.contactKey]
      : subject && wanted ? linkedContacts(subject).filter((c) => c.type === wanted).map((c) => c.contactKey) : [];
    const contacts: ContactState[] = await Promise.all(
      contactKeys.map(async (key) => (await this.streams.load(contactDecider, contactStreamId(tenantId, key))).state),
    );
    const tenant = (await this.streams.load(tenantDecider, tenantStreamId(tenantId))).state;
    const decision = evaluate(subject, contacts, {
      channel: request.channel,
      purpose: request.purpose,
      communication: request.communication ? { ...request.communication } : undefined,
      usesPart2Data: request.usesPart2Data ?? false,
      contactKey: contact?.contactKey,
    }, asOf, knownAt, tenant);
    return { ...decision, position, evaluatedAt: now };
  }
}
