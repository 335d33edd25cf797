import { Kafka, type KafkaConfig, logLevel, type LogEntry } from 'kafkajs';

export interface MessagingConfig {
  kafkaBrokers: string[];
  kafkaClientId: string;
}

export type KafkaLog = (level: 'error' | 'warn', message: string) => void;

/**
 * kafkajs log entries, reduced to their message and a few technical fields (broker, topic, error text, retry count).
 * Never message keys or values: those may name a person.
 */
function logCreator(log: KafkaLog) {
  return () => ({ namespace, level, log: entry }: LogEntry) => {
    if (level > logLevel.WARN) return;
    const { message, broker, error, retryCount } = entry as unknown as Record<string, unknown>;
    // Expected while the relay limits its own retries; it resends from its checkpoint.
    if (typeof message === 'string' && message.includes('Limiting retries for the idempotent producer')) return;
    const details = [broker && `broker ${String(broker)}`, error && String(error), retryCount !== undefined && `retry ${String(retryCount)}`]
      .filter(Boolean).join(', ');
    log(level === logLevel.ERROR ? 'error' : 'warn', `${namespace}: ${String(message)}${details ? ` (${details})` : ''}`);
  };
}

/** A kafkajs client from the ledger's configuration (KAFKA_BROKERS, KAFKA_CLIENT_ID). */
export function createKafka(config: MessagingConfig, options: { log?: KafkaLog; role?: string; overrides?: Partial<KafkaConfig> } = {}): Kafka {
  if (config.kafkaBrokers.length === 0) throw new Error('KAFKA_BROKERS is not set');
  return new Kafka({
    clientId: options.role ? `${config.kafkaClientId}-${options.role}` : config.kafkaClientId,
    brokers: config.kafkaBrokers,
    connectionTimeout: 3000,
    requestTimeout: 15_000,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 3000 },
    logLevel: options.log ? logLevel.WARN : logLevel.NOTHING,
    ...(options.log ? { logCreator: logCreator(options.log) } : {}),
    ...options.overrides,
  });
}
