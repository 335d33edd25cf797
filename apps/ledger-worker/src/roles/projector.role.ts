import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Projector } from '@app/projections';

/** The projector role: follows the global log into the read models. */
@Injectable()
export class ProjectorRole implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('projector');

  constructor(private readonly projector: Projector) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.projector.start();
    this.logger.log(`following the log into ${this.projector.projections.map((p) => p.name).join(', ')}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projector.stop();
  }
}
