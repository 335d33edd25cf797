import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  contactStreamId, type DecideContext, type Decided, type DomainError, DEFAULT_TENANT_SETTINGS, fromWireEvent,
  type LedgerEventType, PERSONAL_DATA_FIELDS, settingsAt, subjectStreamId, type TenantSettings, tenantDecider, type TenantState,
  tenantStreamId, toWireEvent,
} from '@app/domain';
import {
  type EventStore, type NewEvent, type Position, type RecordedEvent, WrongExpectedRevisionError,
} from '@app/event-store';
import type { LedgerConfig } from '@app/platform';
import type { Database } from '@app/platform/database';
import { type DataKeyOwner, PersonalDataCodec } from '@app/security';
import { CLOCK, type Clock, CONFIG, DATABASE, EVENT_STORE } from './tokens';
import type { CommandMeta } from './command-meta';

/** The shape every decider of libs/domain has. */
export interface Decider<S, E, C> {
  initialState(): S;
  evolve(state: S, event: E, recorded?: { id: string; position: string }): S;
  decide(command: C, state: S, context: DecideContext): Decided<E>;
}

export interface Loaded<S> {
  state: S;
  revision: number;
  events: RecordedEvent[];
}

export type Executed<S, E> =
  | { ok: true; state: S; appended: boolean; position: string; events: E[] }
  | { ok: false; error: DomainError };

const MAX_ATTEMPTS = 5;

/**
 * Load a stream, fold it with evolve, decide, append with the expected revision; retry on a concurrent writer.
 * This is the whole write path of the ledger; handlers only translate requests into commands.
 */
@Injectable()
export class LedgerStreams {
  /** Seals the personal fields of every event appended here (H11 erasure by crypto-shredding). */
  readonly personalData: PersonalDataCodec;

  constructor(
    @Inject(EVENT_STORE) readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DATABASE) db: Database,
    @Inject(CONFIG) config: LedgerConfig,
  ) {
    this.personalData = new PersonalDataCodec(db, join(config.dataDir, 'keys'));
  }

  async load<S, E, C>(decider: Decider<S, E, C>, streamId: string, toPosition?: Position): Promise<Loaded<S>> {
    const events = await this.store.readStream(streamId, toPosition === undefined ? undefined : { toPosition });
    let state = decider.initialState();
    for (const recorded of events) {
      const event = fromWireEvent(recorded.type, recorded.metadata.schemaVersion, recorded.data) as unknown as E;
      state = decider.evolve(state, event, { id: recorded.id, position: recorded.position.toString() });
    }
    return { state, revision: events.length - 1, events };
  }

  async tenant(tenantId: string): Promise<TenantState> {
    return (await this.load(tenantDecider, tenantStreamId(tenantId))).state;
  }

  async settingsNow(tenantId: string, now: string): Promise<TenantSettings> {
    return settingsAt(await this.tenant(tenantId), now, now) ?? DEFAULT_TENANT_SETTINGS;
  }

  now(): Date {
    return this.clock.now();
  }

  async execute<S, E extends { type: string; data: { effectiveAt: string; recordedAt: string } }, C>(
    decider: Decider<S, E, C>,
    streamId: string,
    command: C,
    meta: CommandMeta,
  ): Promise<Executed<S, E>> {
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.load(decider, streamId);
      const now = this.clock.now().toISOString();
      const context: DecideContext = {
        now,
        newId: randomUUID,
        settings: await this.settingsNow(meta.tenantId, now),
      };
      const decided = decider.decide(command, loaded.state, context);
      if (!decided.ok) return decided;
      if (decided.events.length === 0) {
        return { ok: true, state: loaded.state, appended: false, position: (await this.store.headPosition()).toString(), events: [] };
      }
      const newEvents: NewEvent[] = await Promise.all(decided.events.map(async (event) => {
        const wire = toWireEvent(event as never);
        return {
          id: randomUUID(),
          type: wire.type,
          data: await this.seal(meta.tenantId, streamId, event.type as LedgerEventType, wire.data),
          metadata: {
            tenantId: meta.tenantId,
            actor: meta.actor,
            correlationId: meta.correlationId,
            effectiveAt: event.data.effectiveAt,
            recordedAt: event.data.recordedAt,
            schemaVersion: wire.schemaVersion,
          },
        };
      }));
      try {
        const result = await this.store.append(streamId, newEvents, {
          expectedRevision: loaded.revision < 0 ? 'no-stream' : loaded.revision,
          idempotencyKey: meta.idempotency?.key,
          requestHash: meta.idempotency?.requestHash,
        });
        let state = loaded.state;
        const first = result.position - BigInt(decided.events.length - 1);
        decided.events.forEach((event, i) => {
          state = decider.evolve(state, event, { id: newEvents[i].id!, position: (first + BigInt(i)).toString() });
        });
        return { ok: true, state, appended: !result.duplicate, position: result.position.toString(), events: decided.events };
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  /** Personal fields (PERSONAL_DATA_FIELDS) are stored sealed under the key of the subject or contact point. */
  private seal(tenantId: string, streamId: string, type: LedgerEventType, data: Record<string, unknown>): Promise<Record<string, unknown>> {
    const paths = PERSONAL_DATA_FIELDS[type] ?? [];
    if (!PersonalDataCodec.holdsPersonalData(data, paths)) return Promise.resolve(data);
    const owner = dataKeyOwner(tenantId, streamId);
    if (!owner) throw new Error(`personal data on a stream with no owner to key it to (${type})`);
    return this.personalData.seal(owner, data, paths);
  }
}

/** The owner of a subject or contact stream, whose data key seals its personal fields. */
export function dataKeyOwner(tenantId: string, streamId: string): DataKeyOwner | null {
  const subjectPrefix = subjectStreamId(tenantId, '');
  if (streamId.startsWith(subjectPrefix)) return { kind: 'subject', tenantId, subjectId: streamId.slice(subjectPrefix.length) };
  const contactPrefix = contactStreamId(tenantId, '');
  if (streamId.startsWith(contactPrefix)) return { kind: 'contact', tenantId, contactKey: streamId.slice(contactPrefix.length) };
  return null;
}
