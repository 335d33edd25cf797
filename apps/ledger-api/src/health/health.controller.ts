import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Database } from '@app/platform/database';
import type { EventStore } from '@app/event-store';
import { Public } from '../http/auth';
import { Problem } from '../http/problem';
import { DATABASE, EVENT_STORE } from '../ledger/tokens';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(DATABASE) private readonly db: Database, @Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get('live')
  @Public()
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @HttpCode(200)
  async ready(): Promise<{ status: 'ready'; position: string }> {
    try {
      await this.db.query('SELECT 1');
      return { status: 'ready', position: (await this.store.headPosition()).toString() };
    } catch {
      throw new Problem(503, 'not-ready', 'Not ready', 'The database is not reachable.', {}, { 'retry-after': '5' });
    }
  }
}
