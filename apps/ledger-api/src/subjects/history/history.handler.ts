import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { contactStreamId, fromWireEvent, PERSONAL_DATA_FIELDS, subjectStreamId } from '@app/domain';
import type { RecordedEvent } from '@app/event-store';
import { Problem } from '../../http/problem';
import { LedgerStreams } from '../../ledger/ledger-streams';
import { ReadPosition, type ReadOptions } from '../../ledger/read-position';

export class SubjectHistoryQuery {
  constructor(readonly tenantId: string, readonly subjectId: string, readonly options: ReadOptions) {}
}

export interface HistoryEntry {
  position: string;
  revision: number;
  stream: string;
  id: string;
  type: string;
  wireType: string;
  effectiveAt: string;
  recordedAt: string;
  actor: string | null;
  /** Personal fields decrypted; an erased one is null. */
  data: unknown;
  /** Present when some personal field was erased (its data key destroyed, H11). */
  erased?: true;
  erasedFields?: string[];
}

/** The subject's stream and the streams of every contact point ever linked to it, in global order. */
@QueryHandler(SubjectHistoryQuery)
export class SubjectHistoryHandler implements IQueryHandler<SubjectHistoryQuery, { subjectId: string; events: HistoryEntry[]; position: string }> {
  constructor(private readonly streams: LedgerStreams, private readonly read: ReadPosition) {}

  async execute({ tenantId, subjectId, options }: SubjectHistoryQuery) {
    const { asOf, knownAt } = await this.read.prepare(options);
    const subjectEvents = await this.streams.store.readStream(subjectStreamId(tenantId, subjectId));
    if (subjectEvents.length === 0) throw Problem.notFound('No such subject.');
    const contactKeys = new Set<string>();
    for (const event of subjectEvents) {
      const key = (event.data as { contactKey?: string }).contactKey;
      if (typeof key === 'string') contactKeys.add(key);
    }
    const contactEvents = await Promise.all([...contactKeys].map((key) => this.streams.store.readStream(contactStreamId(tenantId, key))));
    const all: RecordedEvent[] = [...subjectEvents, ...contactEvents.flat()]
      .filter((e: RecordedEvent) => Date.parse(e.metadata.recordedAt) <= Date.parse(knownAt) && Date.parse(e.metadata.effectiveAt) <= Date.parse(asOf))
      .sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    if (all.length === 0 && options.knownAt !== undefined && subjectEvents.every((e) => Date.parse(e.metadata.recordedAt) > Date.parse(knownAt))) {
      throw Problem.notFound('No such subject as known at knownAt.');
    }
    const decoded = all.map((recorded) => fromWireEvent(recorded.type, recorded.metadata.schemaVersion, recorded.data));
    const opened = await this.streams.personalData.open(tenantId, decoded.map((event) => ({
      data: event.data as unknown as Record<string, unknown>,
      paths: PERSONAL_DATA_FIELDS[event.type] ?? [],
    })));
    const events = all.map((recorded, i): HistoryEntry => {
      const event = decoded[i];
      const { data, erasedFields } = opened[i];
      return {
        position: recorded.position.toString(),
        revision: recorded.revision,
        stream: recorded.streamId,
        id: recorded.id,
        type: event.type,
        wireType: recorded.type,
        effectiveAt: recorded.metadata.effectiveAt,
        recordedAt: recorded.metadata.recordedAt,
        actor: recorded.metadata.actor ?? null,
        data,
        ...(erasedFields.length > 0 ? { erased: true as const, erasedFields } : {}),
      };
    });
    const last = all[all.length - 1] ?? subjectEvents[subjectEvents.length - 1];
    return { subjectId, events, position: last.position.toString() };
  }
}
