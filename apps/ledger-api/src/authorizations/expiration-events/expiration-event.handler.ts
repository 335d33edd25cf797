import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EVENT_WIRE_NAMES, subjectDecider, subjectStreamId } from '@app/domain';
import { domainProblem } from '../../http/domain-problem';
import type { CommandMeta } from '../../ledger/command-meta';
import { LedgerStreams } from '../../ledger/ledger-streams';
import type { ExpirationEventRequest } from './expiration-event.request';

export class RecordExpirationEventCommand {
  constructor(readonly request: ExpirationEventRequest, readonly meta: CommandMeta) {}
}

export interface ExpirationEventResponse { expired: string[]; position: string }

const PAGE = 1000;

/** H13: an expiration event ends every active authorization naming it, at the event's effective time. */
@CommandHandler(RecordExpirationEventCommand)
export class RecordExpirationEventHandler implements ICommandHandler<RecordExpirationEventCommand, ExpirationEventResponse> {
  constructor(private readonly streams: LedgerStreams) {}

  async execute({ request, meta }: RecordExpirationEventCommand): Promise<ExpirationEventResponse> {
    const occurredAt = request.occurredAt ?? this.streams.now().toISOString();
    const subjects = request.subjectId ? [request.subjectId] : await this.subjectsNaming(meta.tenantId, request.event);
    const expired: string[] = [];
    let position: string | undefined;
    for (const subjectId of subjects) {
      const result = await this.streams.execute(subjectDecider, subjectStreamId(meta.tenantId, subjectId),
        { type: 'RecordExpirationEvent', event: request.event, occurredAt }, { ...meta, idempotency: undefined });
      if (!result.ok) throw domainProblem(result.error);
      for (const event of result.events) {
        if (event.type === 'AuthorizationExpired') expired.push(event.data.authorizationId);
      }
      if (result.appended) position = result.position;
    }
    return { expired, position: position ?? (await this.streams.store.headPosition()).toString() };
  }

  /**
   * The subjects of the tenant holding a grant that names this event. Scans the log; the read models of the
   * projections issue replace this with an indexed lookup.
   */
  private async subjectsNaming(tenantId: string, event: string): Promise<string[]> {
    const subjects = new Set<string>();
    let from: bigint | undefined;
    for (;;) {
      const page = await this.streams.store.readAll({ fromPosition: from, maxCount: PAGE });
      for (const recorded of page) {
        if (recorded.metadata.tenantId === tenantId && recorded.type === EVENT_WIRE_NAMES.AuthorizationGranted
          && (recorded.data as { expirationEvent?: string | null }).expirationEvent === event) {
          subjects.add((recorded.data as { subjectId: string }).subjectId);
        }
      }
      if (page.length < PAGE) return [...subjects];
      from = page[page.length - 1].position;
    }
  }
}
