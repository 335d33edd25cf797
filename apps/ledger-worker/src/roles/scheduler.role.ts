import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { subjectDecider, subjectStreamId } from '@app/domain';
import type { LedgerConfig } from '@app/platform';
import type { Database } from '@app/platform/database';
import { LedgerStreams } from '../../../ledger-api/src/ledger/ledger-streams';
import { CONFIG, DATABASE } from '../../../ledger-api/src/ledger/tokens';

const BATCH = 200;

/**
 * The expiry scheduler role: at each authorization's expiresAt it records AuthorizationExpired, so downstream systems
 * learn of expiries as events. Safe with several instances: the decider emits nothing for an authorization already
 * ended, and the append's expected revision settles races. The policy denies at expiresAt whether or not this ran.
 */
@Injectable()
export class SchedulerRole implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('scheduler');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    @Inject(CONFIG) private readonly config: LedgerConfig,
    @Inject(DATABASE) private readonly db: Database,
    private readonly streams: LedgerStreams,
  ) {}

  onApplicationBootstrap(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.expireDue()
        .catch((error: unknown) => this.logger.error(`expiry pass failed: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.config.schedulerIntervalMs);
        });
    };
    tick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Records the expiry of every authorization due by now; answers how many it expired. */
  async expireDue(): Promise<number> {
    const now = this.streams.now().toISOString();
    const due = await this.db.query<{ tenant_id: string; subject_id: string; authorization_id: string }>(
      `SELECT tenant_id, subject_id, authorization_id FROM rm_authorizations
        WHERE ended_at IS NULL AND expires_at IS NOT NULL AND expires_at <= $1 ORDER BY expires_at LIMIT ${BATCH}`,
      [now],
    );
    let expired = 0;
    for (const row of due) {
      const result = await this.streams.execute(subjectDecider, subjectStreamId(row.tenant_id, row.subject_id),
        { type: 'ExpireAuthorization', authorizationId: row.authorization_id },
        { tenantId: row.tenant_id, actor: 'scheduler', correlationId: `expire-${row.authorization_id}` });
      if (result.ok && result.appended) expired++;
    }
    return expired;
  }
}
