import { Inject, Injectable } from '@nestjs/common';
import type { LedgerConfig } from '@app/platform';
import type { EventStore } from '@app/event-store';
import { Projector } from '@app/projections';
import { Problem } from '../http/problem';
import { isRfc3339 } from '../http/validators';
import { CONFIG, EVENT_STORE } from './tokens';
import { LedgerStreams } from './ledger-streams';

export interface ReadOptions { asOf?: string; knownAt?: string; minPosition?: string }
export interface ReadInstant { asOf: string; knownAt: string; now: string }

/**
 * The time-travel and read-your-writes options every query shares. `minPosition` only waits for the read side
 * (bounded, then 503 with Retry-After); it never changes `knownAt`. `knownAt` cannot be in the future.
 */
@Injectable()
export class ReadPosition {
  constructor(
    @Inject(CONFIG) private readonly config: LedgerConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly streams: LedgerStreams,
    private readonly projector: Projector,
  ) {}

  /**
   * `source` says what the query reads: the event streams (any committed position is readable at once) or a
   * projection's read models (wait until its checkpoint has passed `minPosition`).
   */
  async prepare(options: ReadOptions, source: 'streams' | { projection: string } = 'streams'): Promise<ReadInstant> {
    const now = this.streams.now().toISOString();
    if (options.knownAt !== undefined && Date.parse(options.knownAt) > Date.parse(now)) {
      throw Problem.badRequest('knownAt cannot be later than now.', [{ field: 'knownAt', message: 'must not be in the future' }]);
    }
    if (options.minPosition !== undefined) await this.waitFor(BigInt(options.minPosition), source);
    // `now` is already in the canonical form; only an instant the caller gave needs normalising.
    return { asOf: options.asOf === undefined ? now : normalise(options.asOf), knownAt: options.knownAt === undefined ? now : normalise(options.knownAt), now };
  }

  /** The position a query reading from `source` reflects. */
  async position(source: 'streams' | { projection: string }): Promise<bigint> {
    return source === 'streams' ? this.store.headPosition() : this.projector.checkpoint(source.projection);
  }

  private async waitFor(minPosition: bigint, source: 'streams' | { projection: string }): Promise<void> {
    const deadline = Date.now() + this.config.minPositionWaitMs;
    for (;;) {
      if ((await this.position(source)) >= minPosition) return;
      if (Date.now() >= deadline) {
        throw new Problem(503, 'position-not-reached', 'Position not reached yet',
          'The ledger has not reached minPosition yet; retry shortly.', { minPosition: minPosition.toString() }, { 'retry-after': '1' });
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Instants compare as strings only in one canonical form. */
function normalise(instant: string): string {
  return isRfc3339(instant) ? new Date(instant).toISOString() : instant;
}
