import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Database } from '@app/platform/database';
import type { EventStore } from '@app/event-store';
import type { LedgerConfig } from '@app/platform';
import { Projector } from '@app/projections';
import { Public } from '../http/auth';
import { Problem } from '../http/problem';
import { CONFIG, DATABASE, EVENT_STORE } from '../ledger/tokens';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CONFIG) private readonly config: LedgerConfig,
    private readonly projector: Projector,
  ) {}

  @Get('live')
  @Public()
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @HttpCode(200)
  async ready(): Promise<{ status: 'ready'; position: string; projections: { name: string; checkpoint: string; lagSeconds: number }[] }> {
    let lag;
    try {
      await this.db.query('SELECT 1');
      lag = await this.projector.lag();
    } catch {
      throw new Problem(503, 'not-ready', 'Not ready', 'The database is not reachable.', {}, { 'retry-after': '5' });
    }
    const projections = lag.map((l) => ({ name: l.name, checkpoint: l.checkpoint.toString(), lagSeconds: l.seconds }));
    const behind = lag.filter((l) => l.seconds > this.config.projectionMaxLagSeconds);
    if (behind.length > 0) {
      throw new Problem(503, 'not-ready', 'Not ready',
        `Read models are behind the log: ${behind.map((l) => `${l.name} ${l.seconds.toFixed(1)} s`).join(', ')}.`,
        { projections }, { 'retry-after': '5' });
    }
    return { status: 'ready', position: (await this.store.headPosition()).toString(), projections };
  }
}
