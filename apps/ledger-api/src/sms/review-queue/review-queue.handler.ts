import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import {
  contactDecider, type ContactState, contactStreamId, EVENT_WIRE_NAMES, fromWireEvent, openSmsReviews, PERSONAL_DATA_FIELDS,
} from '@app/domain';
import type { Database } from '@app/platform/database';
import { domainProblem } from '../../http/domain-problem';
import type { CommandMeta } from '../../ledger/command-meta';
import { LedgerStreams } from '../../ledger/ledger-streams';
import { ReadPosition, type ReadOptions } from '../../ledger/read-position';
import { DATABASE } from '../../ledger/tokens';
import type { ResolveReviewRequest } from './review-queue.request';

const ELIGIBILITY = { projection: 'eligibility' } as const;

export class ReviewQueueQuery {
  constructor(readonly tenantId: string, readonly options: ReadOptions) {}
}

export class ResolveReviewCommand {
  constructor(readonly reviewId: string, readonly request: ResolveReviewRequest, readonly meta: CommandMeta) {}
}

export interface ReviewItemView {
  reviewId: string;
  contactKey: string;
  /** The revocation word the text contained. */
  keyword: string;
  /** The text, decrypted; null once erased (with `erased: true`). */
  body: string | null;
  erased?: true;
  receivedAt: string;
  recordedAt: string;
  inReplyTo: { purpose: string } | null;
  policyVersion: string;
  position: string | null;
}

export interface ResolveReviewResponse {
  reviewId: string;
  contactKey: string;
  outcome: string;
  /** The opt-out or opt-in the outcome implied, effective at the text's receipt. */
  scope: { purpose: string; channel: string }[];
  position: string;
}

/**
 * Where review items are found: the eligibility read model keeps every contact stream's folded state
 * (`rm_contact_states`), reviews included, so open items are found there without scanning the log; the text itself
 * is read from the item's own event in the contact stream and decrypted.
 */
async function contactStatesWithReviews(db: Database, tenantId: string, reviewId?: string): Promise<{ contactKey: string; state: ContactState }[]> {
  const rows = await db.query<{ contact_key: string; state: unknown }>(
    reviewId === undefined
      ? `SELECT contact_key, state FROM rm_contact_states WHERE tenant_id = $1 AND jsonb_array_length(state->'reviews') > 0 ORDER BY contact_key`
      : `SELECT contact_key, state FROM rm_contact_states WHERE tenant_id = $1 AND state->'reviews' @> jsonb_build_array(jsonb_build_object('reviewId', $2::text))`,
    reviewId === undefined ? [tenantId] : [tenantId, reviewId],
  );
  return rows.map((r) => ({ contactKey: r.contact_key, state: (typeof r.state === 'string' ? JSON.parse(r.state) : r.state) as ContactState }));
}

/** T1: the texts that merely contained a revocation word and await a person's decision, oldest first. */
@QueryHandler(ReviewQueueQuery)
export class ReviewQueueHandler implements IQueryHandler<ReviewQueueQuery, { items: ReviewItemView[]; position: string }> {
  constructor(private readonly streams: LedgerStreams, private readonly read: ReadPosition, @Inject(DATABASE) private readonly db: Database) {}

  async execute({ tenantId, options }: ReviewQueueQuery) {
    await this.read.prepare(options, ELIGIBILITY);
    const position = (await this.read.position(ELIGIBILITY)).toString();
    const items: ReviewItemView[] = [];
    for (const { contactKey, state } of await contactStatesWithReviews(this.db, tenantId)) {
      const open = openSmsReviews(state);
      if (open.length === 0) continue;
      const events = await this.streams.store.readStream(contactStreamId(tenantId, contactKey));
      const requested = new Map(events.filter((e) => e.data?.reviewId !== undefined && e.type === EVENT_WIRE_NAMES.SmsReviewRequested)
        .map((e) => [e.data.reviewId as string, fromWireEvent(e.type, e.metadata.schemaVersion, e.data)]));
      const opened = await this.streams.personalData.open(tenantId, open.map((item) => ({
        data: (requested.get(item.reviewId)?.data ?? {}) as unknown as Record<string, unknown>,
        paths: PERSONAL_DATA_FIELDS.SmsReviewRequested,
      })));
      open.forEach((item, i) => {
        items.push({
          reviewId: item.reviewId,
          contactKey,
          keyword: item.keyword,
          body: (opened[i].data.body as string | undefined) ?? null,
          ...(opened[i].erasedFields.length > 0 ? { erased: true as const } : {}),
          receivedAt: item.effectiveAt,
          recordedAt: item.recordedAt,
          inReplyTo: item.inReplyTo,
          policyVersion: item.policyVersion,
          position: item.evidence?.position ?? null,
        });
      });
    }
    items.sort((a, b) => Date.parse(a.receivedAt) - Date.parse(b.receivedAt) || a.reviewId.localeCompare(b.reviewId));
    return { items, position };
  }
}

/** T1: a reviewer's decision, on the stream of the number the text came from. */
@CommandHandler(ResolveReviewCommand)
export class ResolveReviewHandler implements ICommandHandler<ResolveReviewCommand, ResolveReviewResponse> {
  constructor(private readonly streams: LedgerStreams, private readonly read: ReadPosition, @Inject(DATABASE) private readonly db: Database) {}

  async execute({ reviewId, request, meta }: ResolveReviewCommand): Promise<ResolveReviewResponse> {
    let found = await contactStatesWithReviews(this.db, meta.tenantId, reviewId);
    if (found.length === 0) {
      // The item may be younger than the read model: wait (bounded) until it has caught up with the log, then look again.
      await this.read.prepare({ minPosition: (await this.streams.store.headPosition()).toString() }, ELIGIBILITY);
      found = await contactStatesWithReviews(this.db, meta.tenantId, reviewId);
    }
    if (found.length === 0) throw domainProblem({ code: 'SmsReviewNotFound', message: 'no such review item', reviewId });
    const { contactKey } = found[0];
    const streamId = contactStreamId(meta.tenantId, contactKey);
    const result = await this.streams.execute(contactDecider, streamId, {
      type: 'ResolveSmsReview', reviewId, outcome: request.outcome, resolvedAt: request.resolvedAt,
    }, meta);
    if (!result.ok) throw domainProblem(result.error);
    const item = result.state.reviews.find((r) => r.reviewId === reviewId)!;
    const scope = result.events
      .filter((e) => e.type === 'ContactOptedOut' || e.type === 'ContactOptedIn')
      .map((e) => ({ purpose: (e.data as { purpose: string }).purpose, channel: (e.data as { channel: string }).channel }));
    return {
      reviewId,
      contactKey,
      outcome: item.resolution!.outcome,
      scope,
      position: result.appended ? result.position : await this.lastPositionOf(streamId, reviewId) ?? result.position,
    };
  }

  /** A repeat answers the position of the original resolution's last event (the opt-out or opt-in it implied). */
  private async lastPositionOf(streamId: string, reviewId: string): Promise<string | undefined> {
    const events = (await this.streams.store.readStream(streamId)).filter((e) => e.data?.reviewId === reviewId);
    return events[events.length - 1]?.position.toString();
  }
}
