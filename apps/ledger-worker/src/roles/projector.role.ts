import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@app/event-store';
import type { LedgerConfig } from '@app/platform';
import type { Database } from '@app/platform/database';
import { PartitionedProjector, PROJECTIONS, Projector } from '@app/projections';
import { CONFIG, DATABASE, EVENT_STORE } from '../../../ledger-api/src/ledger/tokens';

/**
 * The projector role: follows the global log into the read models. With PROJECTOR_PARTITIONS=N the streams are
 * split into N partitions whose leases every running instance shares (scale-out); otherwise one instance follows it all.
 */
@Injectable()
export class ProjectorRole implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('projector');
  private running: { start(): Promise<void>; stop(): Promise<void> } | undefined;

  constructor(
    private readonly projector: Projector,
    @Inject(CONFIG) private readonly config: LedgerConfig,
    @Inject(DATABASE) private readonly db: Database,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.running = this.config.projectorPartitions > 0
      ? new PartitionedProjector(this.db, this.store, PROJECTIONS, {
          partitions: this.config.projectorPartitions,
          batchSize: this.config.projectorBatchSize,
          faultDelayMs: this.config.projectorFaultDelayMs,
          onError: (name, error) => this.logger.error(`${name}: ${error instanceof Error ? error.message : String(error)}`),
        })
      : this.projector;
    await this.running.start();
    const mode = this.config.projectorPartitions > 0 ? ` in ${this.config.projectorPartitions} shared partitions` : '';
    this.logger.log(`following the log into ${PROJECTIONS.map((p) => p.name).join(', ')}${mode}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.running?.stop();
  }
}
