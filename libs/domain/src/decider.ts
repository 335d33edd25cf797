import type { DomainError } from './errors';
import type { RecordedRef, TenantSettings } from './events';

/** What a command needs from outside the domain: the time, fresh ids, and the tenant's settings. */
export interface DecideContext {
  /** The ledger time of this decision (becomes every event's `recordedAt`). */
  now: string;
  newId: () => string;
  /** The tenant settings in force now; DEFAULT_TENANT_SETTINGS when absent. */
  settings?: TenantSettings;
}

export type Decided<E> = { ok: true; events: E[] } | { ok: false; error: DomainError };

export interface Decider<C, E, S> {
  initialState(): S;
  evolve(state: S, event: E, recorded?: RecordedRef): S;
  decide(command: C, state: S, context: DecideContext): Decided<E>;
}

export function accept<E>(events: E[]): Decided<E> {
  return { ok: true, events };
}

export function reject<E>(error: DomainError): Decided<E> {
  return { ok: false, error };
}

/** Folds a stream (optionally with each event's store coordinates) into state. */
export function fold<E, S>(
  decider: Pick<Decider<unknown, E, S>, 'evolve'>,
  initial: S,
  events: Iterable<E | { event: E; recorded?: RecordedRef }>,
): S {
  let state = initial;
  for (const item of events) {
    if (isWrapped<E>(item)) state = decider.evolve(state, item.event, item.recorded);
    else state = decider.evolve(state, item);
  }
  return state;
}

function isWrapped<E>(item: unknown): item is { event: E; recorded?: RecordedRef } {
  return typeof item === 'object' && item !== null && 'event' in item && !('type' in item);
}
