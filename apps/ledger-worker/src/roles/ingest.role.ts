import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createKafka, InboundHandler, IngestConsumer } from '@app/messaging';
import type { LedgerConfig } from '@app/platform';
import type { Database } from '@app/platform/database';
import { LedgerStreams } from '../../../ledger-api/src/ledger/ledger-streams';
import { CONFIG, DATABASE } from '../../../ledger-api/src/ledger/tokens';

/**
 * The Kafka ingest role: consumes consent.inbound.v1 (unsubscribes, complaints, bounces, SMS, expiration events) as
 * the consumer group `{KAFKA_CLIENT_ID}-ingest` and appends the commands they mean. Off unless KAFKA_BROKERS is set.
 */
@Injectable()
export class IngestRole implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ingest');
  readonly consumer: IngestConsumer | undefined;

  constructor(
    @Inject(CONFIG) config: LedgerConfig,
    @Inject(DATABASE) db: Database,
    streams: LedgerStreams,
  ) {
    if (config.kafkaBrokers.length === 0) return;
    const log = (level: 'log' | 'warn' | 'error', message: string) => this.logger[level](message);
    const handler = new InboundHandler({
      execute: (decider, streamId, command, meta) => streams.execute(decider as never, streamId, command as never, meta),
      now: () => streams.now(),
    }, db);
    this.consumer = new IngestConsumer(createKafka(config, { role: 'ingest', log }), handler, {
      topics: { partitions: config.kafkaTopicPartitions, replicationFactor: config.kafkaReplicationFactor, eventsRetentionMs: config.kafkaEventsRetentionMs },
      groupId: `${config.kafkaClientId}-ingest`,
      log,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.consumer) {
      this.logger.log('KAFKA_BROKERS is not set: ingest is off');
      return;
    }
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
