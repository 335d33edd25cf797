import type { Admin, ITopicConfig } from 'kafkajs';

/** The topics of the ledger (DESIGN.md, Kafka). Names are versioned: a breaking change is a new topic. */
export const TOPICS = {
  /** Every domain event, CloudEvents 1.0 (binary mode), keyed by person or address. */
  events: 'consent.ledger.events.v1',
  /** Log-compacted: the current suppression state per address or person; null value = nothing suppressed. */
  suppressions: 'consent.suppressions.v1',
  /** Reports from email platforms, SMS gateways and EHRs, turned into commands by the ingest role. */
  inbound: 'consent.inbound.v1',
  /** Inbound messages that could not be turned into a command, with the reason in the `dlq_reason` header. */
  inboundDlq: 'consent.inbound.dlq.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
  /** retention.ms of the events topic; -1 keeps every event. */
  eventsRetentionMs: number;
}

const DAY_MS = 24 * 3_600_000;

/** How each topic is created: partitions, replication, retention and, for the suppressions, compaction. */
export function topicDefinitions(settings: TopicSettings): ITopicConfig[] {
  const base = { numPartitions: settings.partitions, replicationFactor: settings.replicationFactor };
  const minIsr = String(Math.min(2, settings.replicationFactor));
  return [
    {
      topic: TOPICS.events,
      ...base,
      configEntries: [
        { name: 'cleanup.policy', value: 'delete' },
        { name: 'retention.ms', value: String(settings.eventsRetentionMs) },
        { name: 'min.insync.replicas', value: minIsr },
      ],
    },
    {
      topic: TOPICS.suppressions,
      ...base,
      configEntries: [
        // A mirror is rebuilt from the latest value per key; a tombstone stays a day so slow mirrors still see it.
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'delete.retention.ms', value: String(DAY_MS) },
        { name: 'min.compaction.lag.ms', value: '0' },
        { name: 'segment.ms', value: String(DAY_MS) },
        { name: 'min.insync.replicas', value: minIsr },
      ],
    },
    {
      topic: TOPICS.inbound,
      ...base,
      configEntries: [{ name: 'retention.ms', value: String(7 * DAY_MS) }, { name: 'min.insync.replicas', value: minIsr }],
    },
    {
      topic: TOPICS.inboundDlq,
      ...base,
      configEntries: [{ name: 'retention.ms', value: String(30 * DAY_MS) }, { name: 'min.insync.replicas', value: minIsr }],
    },
  ];
}

/** Creates the topics that do not exist yet (an existing topic is left as it is); answers the names created. */
export async function ensureTopics(admin: Admin, definitions: ITopicConfig[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = definitions.filter((d) => !existing.has(d.topic));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (error) {
    // Another instance created them between the listing and the creation.
    if (!/already exists/i.test(String((error as Error).message)) && !String((error as { type?: string }).type).includes('TOPIC_ALREADY_EXISTS')) throw error;
  }
  return missing.map((d) => d.topic);
}
