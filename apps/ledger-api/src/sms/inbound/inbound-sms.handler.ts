import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  contactDecider, contactKeyOf, contactStreamId, normalisePhone, parseSmsKeyword, policyVersionAt,
} from '@app/domain';
import { domainProblem } from '../../http/domain-problem';
import { Problem } from '../../http/problem';
import type { CommandMeta } from '../../ledger/command-meta';
import { LedgerStreams } from '../../ledger/ledger-streams';
import type { InboundSmsRequest } from './inbound-sms.request';

export class RecordInboundSmsCommand {
  constructor(readonly request: InboundSmsRequest, readonly meta: CommandMeta) {}
}

export interface InboundSmsResponse {
  action: 'opt-out' | 'opt-in' | 'review' | 'none';
  /** The keyword read (`STOP`, `OPT OUT`, `START`), or the word that sent the text to review. */
  keyword: string | null;
  /** What the opt-out or opt-in covers (T3: decided by receivedAt). */
  scope: { purpose: string; channel: string }[];
  reviewId: string | null;
  contactKey: string;
  /** T3: the policy version in force at receivedAt. */
  policyVersion: string;
  position: string;
}

/**
 * T1-T3 on the stream of the sending number: the domain reads the keyword, decides the scope by the text's
 * receivedAt and appends the opt-out, opt-in or review item; the number itself never reaches the stream (its key does).
 */
@CommandHandler(RecordInboundSmsCommand)
export class RecordInboundSmsHandler implements ICommandHandler<RecordInboundSmsCommand, InboundSmsResponse> {
  constructor(private readonly streams: LedgerStreams) {}

  async execute({ request, meta }: RecordInboundSmsCommand): Promise<InboundSmsResponse> {
    const from = normalisePhone(request.from);
    if (from === null) throw Problem.badRequest('The sending number is not valid.', [{ field: 'from', message: 'must be a phone number in E.164 (+ and 8-15 digits)' }]);
    const contactKey = contactKeyOf(from);
    const receivedAt = request.receivedAt ?? this.streams.now().toISOString();
    const result = await this.streams.execute(contactDecider, contactStreamId(meta.tenantId, contactKey), {
      type: 'RecordInboundSms', from, contactKey, body: request.body, receivedAt, inReplyTo: request.inReplyTo ? { purpose: request.inReplyTo.purpose } : null,
    }, meta);
    if (!result.ok) throw domainProblem(result.error);
    const read = parseSmsKeyword(request.body);
    const review = result.events.find((e) => e.type === 'SmsReviewRequested');
    const choices = result.events.filter((e) => e.type === 'ContactOptedOut' || e.type === 'ContactOptedIn');
    return {
      action: read.kind,
      keyword: read.keyword ?? null,
      scope: choices.map((e) => ({ purpose: (e.data as { purpose: string }).purpose, channel: (e.data as { channel: string }).channel })),
      reviewId: review?.type === 'SmsReviewRequested' ? review.data.reviewId : null,
      contactKey,
      policyVersion: policyVersionAt(receivedAt).version,
      position: result.position,
    };
  }
}
