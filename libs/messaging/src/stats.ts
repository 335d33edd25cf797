import type { EventStore, Position } from '@app/event-store';
import type { Database } from '@app/platform/database';

/**
 * Counters of this process's relay and ingest, read by the API's /metrics (prom-client) when the roles run in the
 * API process. Labels are topic names and outcome codes only: never keys, values or anything about a person.
 */
export class MessagingStats {
  /** Messages acknowledged by the broker, per topic. */
  readonly published = new Map<string, number>();
  /** Relay passes that failed (broker or database unreachable) and were retried. */
  relayErrors = 0;
  /** Inbound messages handled, by outcome: applied (appended), unchanged (nothing to append or a redelivery), dlq. */
  readonly ingested = new Map<string, number>();
  /** Inbound messages that failed for a reason other than their content (retried, not sent to the DLQ). */
  ingestErrors = 0;
  /** Inbound messages sent to the DLQ. */
  dlq = 0;

  countPublished(topic: string, n: number): void {
    this.published.set(topic, (this.published.get(topic) ?? 0) + n);
  }

  countIngested(outcome: 'applied' | 'unchanged' | 'dlq'): void {
    this.ingested.set(outcome, (this.ingested.get(outcome) ?? 0) + 1);
  }
}

export const messagingStats = new MessagingStats();

export const RELAY_CHECKPOINT = 'kafka-relay';

export interface RelayLag { checkpoint: Position; head: Position; positions: bigint; seconds: number }

/** How far the relay's checkpoint is behind the head of the log: positions, and the age of the oldest unpublished event. */
export async function relayLag(db: Database, store: EventStore, name = RELAY_CHECKPOINT): Promise<RelayLag> {
  const head = await store.headPosition();
  const [row] = await db.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1', [name]);
  const checkpoint = row ? BigInt(row.position) : 0n;
  let seconds = 0;
  if (head > checkpoint) {
    const [next] = await store.readAll({ fromPosition: checkpoint, maxCount: 1 });
    if (next) seconds = Math.max(0, (Date.now() - Date.parse(next.recordedAt)) / 1000);
  }
  return { checkpoint, head, positions: head > checkpoint ? head - checkpoint : 0n, seconds };
}
