import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import {
  contactDecider, contactStreamId, type ContactState, type Decision, evaluate, linkedContacts, subjectDecider, subjectStreamId,
  type SubjectState, tenantDecider, tenantStreamId, type TenantState,
} from '@app/domain';
import { EligibilityReadModel } from '@app/projections';
import { normaliseContact } from '../../contacts/contact-value';
import { Problem } from '../../http/problem';
import { LedgerStreams } from '../../ledger/ledger-streams';
import { ReadPosition } from '../../ledger/read-position';
import type { EligibilityCheckRequest } from './check.request';

export class EligibilityCheckQuery {
  constructor(readonly tenantId: string, readonly request: EligibilityCheckRequest) {}
}

export type EligibilityAnswer = Decision & { position: string; evaluatedAt: string };

export const ELIGIBILITY_PROJECTION = { projection: 'eligibility' } as const;

/** Which kind of contact point a channel reaches. */
const CONTACT_TYPE_OF_CHANNEL: Record<string, 'email' | 'phone' | undefined> = { email: 'email', sms: 'phone', voice: 'phone' };

/** The contacts a decision considers: the one asked about, or else the subject's linked contacts the channel reaches. */
export function contactsToConsider(channel: string, contactKey: string | undefined, subject: SubjectState | undefined): string[] {
  if (contactKey) return [contactKey];
  const wanted = CONTACT_TYPE_OF_CHANNEL[channel];
  return subject && wanted ? linkedContacts(subject).filter((c) => c.type === wanted).map((c) => c.contactKey) : [];
}

/**
 * "May we send this?" — answered by the one pure `evaluate` of libs/domain over folded states. The live question is
 * read from the eligibility read model; a question about the past (`asOf` before now, or any `knownAt`) is the audit
 * path and folds the streams themselves. Both paths feed the same function.
 */
@QueryHandler(EligibilityCheckQuery)
export class EligibilityCheckHandler implements IQueryHandler<EligibilityCheckQuery, EligibilityAnswer> {
  constructor(
    private readonly streams: LedgerStreams,
    private readonly read: ReadPosition,
    private readonly readModel: EligibilityReadModel,
  ) {}

  async execute({ tenantId, request }: EligibilityCheckQuery): Promise<EligibilityAnswer> {
    const errors = [];
    if (!request.subjectId && !request.contact) errors.push({ field: 'subjectId', message: 'subjectId or contact is required' });
    if ((request.purpose === undefined) === (request.communication === undefined)) {
      errors.push({ field: 'purpose', message: 'exactly one of purpose and communication is required' });
    }
    if (errors.length > 0) throw Problem.badRequest('The eligibility question is incomplete.', errors);
    const contact = request.contact ? normaliseContact(request.contact.type, request.contact.value, 'contact.value') : undefined;
    const now = this.streams.now().getTime();
    const audit = request.knownAt !== undefined || (request.asOf !== undefined && Date.parse(request.asOf) < now);
    const source = audit ? 'streams' : ELIGIBILITY_PROJECTION;
    const instant = await this.read.prepare(request, source);
    const position = (await this.read.position(source)).toString();
    const { subject, contacts, tenant } = audit
      ? await this.fromStreams(tenantId, request.subjectId, contact?.contactKey, request.channel)
      : await this.fromReadModel(tenantId, request.subjectId, contact?.contactKey, request.channel);
    const decision = evaluate(subject, contacts, {
      channel: request.channel,
      purpose: request.purpose,
      communication: request.communication ? { ...request.communication } : undefined,
      usesPart2Data: request.usesPart2Data ?? false,
      contactKey: contact?.contactKey,
    }, instant.asOf, instant.knownAt, tenant);
    return { ...decision, position, evaluatedAt: instant.now };
  }

  private async fromReadModel(tenantId: string, subjectId: string | undefined, contactKey: string | undefined, channel: string) {
    const snapshot = await this.readModel.snapshot(tenantId, subjectId ? [subjectId] : [], contactKey ? [contactKey] : []);
    const subject = subjectId ? snapshot.subjects.get(subjectId) : undefined;
    const contacts = contactsToConsider(channel, contactKey, subject)
      .map((key) => snapshot.contacts.get(key))
      .filter((c): c is ContactState => c !== undefined);
    return { subject, contacts, tenant: snapshot.tenant };
  }

  private async fromStreams(tenantId: string, subjectId: string | undefined, contactKey: string | undefined, channel: string) {
    const subject: SubjectState | undefined = subjectId
      ? (await this.streams.load(subjectDecider, subjectStreamId(tenantId, subjectId))).state
      : undefined;
    const contacts = await Promise.all(contactsToConsider(channel, contactKey, subject)
      .map(async (key) => (await this.streams.load(contactDecider, contactStreamId(tenantId, key))).state));
    const tenant: TenantState = (await this.streams.load(tenantDecider, tenantStreamId(tenantId))).state;
    return { subject, contacts, tenant };
  }
}
