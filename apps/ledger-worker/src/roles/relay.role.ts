import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@app/event-store';
import { AdvisoryLockLease, createKafka, LocalLease, Relay, RELAY_CHECKPOINT } from '@app/messaging';
import type { LedgerConfig } from '@app/platform';
import type { Database } from '@app/platform/database';
import { CONFIG, DATABASE, EVENT_STORE } from '../../../ledger-api/src/ledger/tokens';

/**
 * The Kafka relay role: publishes the global log to consent.ledger.events.v1 and the suppression states to
 * consent.suppressions.v1. Off unless KAFKA_BROKERS is set. On PostgreSQL one instance publishes at a time
 * (an advisory lock on a dedicated connection); the others wait as standbys.
 */
@Injectable()
export class RelayRole implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('relay');
  readonly relay: Relay | undefined;

  constructor(
    @Inject(CONFIG) config: LedgerConfig,
    @Inject(DATABASE) db: Database,
    @Inject(EVENT_STORE) store: EventStore,
  ) {
    if (config.kafkaBrokers.length === 0) return;
    const log = (level: 'log' | 'warn' | 'error', message: string) => this.logger[level](message);
    const lease = config.databaseUrl ? new AdvisoryLockLease(config.databaseUrl, `consent-ledger/${RELAY_CHECKPOINT}`) : new LocalLease();
    this.relay = new Relay(db, store, createKafka(config, { role: 'relay', log }), lease, {
      topics: { partitions: config.kafkaTopicPartitions, replicationFactor: config.kafkaReplicationFactor, eventsRetentionMs: config.kafkaEventsRetentionMs },
      batchSize: config.kafkaRelayBatchSize,
      faultDelayMs: config.kafkaRelayFaultDelayMs,
      log,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.relay) {
      this.logger.log('KAFKA_BROKERS is not set: the relay is off');
      return;
    }
    await this.relay.start();
    this.logger.log('following the log into Kafka');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}
