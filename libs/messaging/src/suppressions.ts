import { contactDecider, type ContactState, fromWireEvent, type RecordedRef, subjectDecider, type SubjectState } from '@app/domain';
import type { EventStore, RecordedEvent } from '@app/event-store';
import { contactSuppressions, type Suppression, subjectOptOuts } from '@app/projections';
import type { KafkaOutMessage } from './cloudevents';
import { parseStream, type StreamRef, suppressionKey } from './streams';

/**
 * A value of `consent.suppressions.v1`: the suppression state of one address or one person after the ledger's
 * event at `position`, exactly as the read models hold it (rm_contact_suppressions / rm_subject_opt_outs).
 * A tombstone (null value) means nothing is suppressed any more.
 */
export interface SuppressionStateValue {
  tenantId: string;
  kind: 'contact' | 'subject';
  /** For an address: its key (SHA-256 of the normalised value) and type. */
  contactKey?: string;
  contactType?: string | null;
  /** For a person: the subject id. */
  subjectId?: string;
  /** What is suppressed, for which purposes and channels ('*' = all), since when, and why (the source). */
  suppressions: Suppression[];
  /** Global log position and id of the event after which this state holds, and that event's recordedAt. */
  position: string;
  eventId: string;
  asOf: string;
}

type State = ContactState | SubjectState;
interface Folded { revision: number; state: State; recordedAt: string }

function initial(ref: StreamRef): State {
  return ref.kind === 'contact'
    ? contactDecider.initialState({ tenantId: ref.tenantId, contactKey: ref.key })
    : subjectDecider.initialState({ tenantId: ref.tenantId, subjectId: ref.key });
}

function evolve(ref: StreamRef, state: State, recorded: RecordedEvent): State {
  const event = fromWireEvent(recorded.type, recorded.metadata.schemaVersion, recorded.data);
  const at: RecordedRef = { id: recorded.id, position: recorded.position.toString() };
  const decider = (ref.kind === 'contact' ? contactDecider : subjectDecider) as unknown as { evolve(s: State, e: unknown, r: RecordedRef): State };
  return decider.evolve(state, event, at);
}

/** The suppressions of a folded stream at `now`, computed by the projections' own functions (one per key). */
export function suppressionsOf(ref: StreamRef, state: State, now: string): Suppression[] {
  if (ref.kind === 'subject') return subjectOptOuts(state as SubjectState, now);
  const seen = new Set<string>();
  // rm_contact_suppressions keeps the first of a (kind, purpose, channel): so does the topic.
  return contactSuppressions(state as ContactState, now).filter((s) => {
    const key = `${s.kind}\u0000${s.purpose}\u0000${s.channel}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Computes the suppression-topic messages for a batch of the global log: for each address or person whose stream has
 * events in the batch, its state folded up to its last event of the batch, at that event's recordedAt. Folded states
 * are cached (LRU) by stream revision, so a busy stream is not re-read for every batch; a gap reloads it.
 */
export class SuppressionStates {
  private readonly cache = new Map<string, Folded>();

  constructor(private readonly store: EventStore, private readonly cacheSize = 20_000) {}

  async messages(batch: readonly RecordedEvent[]): Promise<KafkaOutMessage[]> {
    const byStream = new Map<string, { ref: StreamRef; events: RecordedEvent[] }>();
    for (const event of batch) {
      let entry = byStream.get(event.streamId);
      if (!entry) {
        const ref = parseStream(event.streamId, event.metadata.tenantId);
        if (!ref || ref.kind === 'tenant') continue;
        entry = { ref, events: [] };
        byStream.set(event.streamId, entry);
      }
      entry.events.push(event);
    }
    const out: KafkaOutMessage[] = [];
    for (const [streamId, { ref, events }] of byStream) {
      const before = await this.before(streamId, ref, events[0]);
      let state = before.state;
      for (const event of events) state = evolve(ref, state, event);
      const last = events[events.length - 1];
      const now = last.metadata.recordedAt;
      this.remember(streamId, { revision: last.revision, state, recordedAt: now });
      const had = before.revision >= 0 && suppressionsOf(ref, before.state, before.recordedAt).length > 0;
      const has = suppressionsOf(ref, state, now);
      if (!had && has.length === 0) continue; // never suppressed, still nothing: no message
      out.push({
        key: suppressionKey(ref),
        value: has.length === 0 ? null : JSON.stringify(stateValue(ref, state, has, last)),
        headers: { 'content-type': 'application/json', tenant: ref.tenantId, position: last.position.toString() },
        timestamp: String(Date.parse(now) || Date.now()),
      });
    }
    return out;
  }

  /** The stream folded up to just before `first` (revision -1: nothing yet). */
  private async before(streamId: string, ref: StreamRef, first: RecordedEvent): Promise<Folded> {
    const cached = this.cache.get(streamId);
    if (cached && cached.revision === first.revision - 1) return cached;
    let folded: Folded = { revision: -1, state: initial(ref), recordedAt: first.metadata.recordedAt };
    if (first.revision === 0) return folded;
    for (const event of await this.store.readStream(streamId, { toPosition: first.position })) {
      if (event.revision >= first.revision) break;
      folded = { revision: event.revision, state: evolve(ref, folded.state, event), recordedAt: event.metadata.recordedAt };
    }
    return folded;
  }

  private remember(streamId: string, folded: Folded): void {
    this.cache.delete(streamId);
    this.cache.set(streamId, folded);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Forgets every folded state (after a failed send, the batch is read again). */
  clear(): void {
    this.cache.clear();
  }
}

function stateValue(ref: StreamRef, state: State, suppressions: Suppression[], last: RecordedEvent): SuppressionStateValue {
  const common = { tenantId: ref.tenantId, suppressions, position: last.position.toString(), eventId: last.id, asOf: last.metadata.recordedAt };
  return ref.kind === 'contact'
    ? { kind: 'contact', contactKey: ref.key, contactType: (state as ContactState).type, ...common }
    : { kind: 'subject', subjectId: ref.key, ...common };
}
