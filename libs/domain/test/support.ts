/**
 * Test support: a given / when / then helper for deciders, and builders of valid commands and
 * of the events they produce. Time and ids are fixed by the test, never read from the clock.
 */
import {
  contactDecider,
  fold,
  subjectDecider,
  tenantDecider,
  type ContactEvent,
  type ContactState,
  type DecideContext,
  type Decided,
  type Decider,
  type DomainError,
  type GrantAuthorization,
  type RecordedRef,
  type SubjectEvent,
  type SubjectState,
  type TenantEvent,
  type TenantSettings,
  type TenantState,
} from '../src';

export const T0 = '2026-11-23T14:00:00Z';

export function context(now: string = T0, settings?: TenantSettings): DecideContext {
  let n = 0;
  return { now, newId: () => `id-${++n}`, ...(settings ? { settings } : {}) };
}

/** Store coordinates for the i-th event of a test history. */
export function recordedAt(i: number, prefix = 'ev'): RecordedRef {
  return { id: `${prefix}-${i + 1}`, position: String(i + 1) };
}

export function foldWithIds<C, E, S>(decider: Decider<C, E, S>, events: E[], prefix = 'ev', initial?: S): S {
  return fold(decider, initial ?? decider.initialState(), events.map((event, i) => ({ event, recorded: recordedAt(i, prefix) })));
}

export interface Then<E> {
  result: Decided<E>;
  then(expected: E[]): void;
  thenNothing(): void;
  thenError(expected: Partial<DomainError> & { code: DomainError['code'] }): DomainError;
  events(): E[];
}

/** given(history).when(command, context).then(events) — or thenError(...), or thenNothing(). */
export function given<C, E, S>(decider: Decider<C, E, S>, history: E[] = []) {
  const state = foldWithIds(decider, history);
  return {
    state,
    when(command: C, ctx: DecideContext = context()): Then<E> {
      const result = decider.decide(command, state, ctx);
      return {
        result,
        then(expected) {
          expect(result).toEqual({ ok: true, events: expected });
        },
        thenNothing() {
          expect(result).toEqual({ ok: true, events: [] });
        },
        thenError(expected) {
          if (result.ok) throw new Error(`expected ${expected.code}, got events ${JSON.stringify(result.events)}`);
          expect(result.error).toMatchObject(expected);
          return result.error;
        },
        events() {
          if (!result.ok) throw new Error(`expected events, got ${JSON.stringify(result.error)}`);
          return result.events;
        },
      };
    },
  };
}

export const givenSubject = (history: SubjectEvent[] = []) => given(subjectDecider, history);
export const givenContact = (history: ContactEvent[] = []) => given(contactDecider, history);
export const givenTenant = (history: TenantEvent[] = []) => given(tenantDecider, history);

/** A complete, valid marketing authorization (API.md example). */
export function grantCommand(overrides: Partial<GrantAuthorization> = {}): GrantAuthorization {
  return {
    type: 'GrantAuthorization',
    subjectId: 'p-1001',
    authorizationId: 'auth-1',
    formId: 'hipaa-marketing',
    formVersion: '2026-01',
    purposes: ['marketing'],
    channels: ['email', 'sms'],
    informationDescription: 'Name, email address and the services I have received',
    disclosers: ['Acme Health'],
    recipients: ['Acme Health Marketing', 'Brightmail Inc.'],
    purposeStatement: 'To send me information about new wellness programs',
    expiresAt: '2027-11-23T00:00:00Z',
    expirationEvent: null,
    remuneration: { involved: true, statement: 'Acme Health receives payment from Brightmail Inc.' },
    statements: { rightToRevoke: true, noConditioning: true, redisclosure: true },
    signature: {
      signerName: 'Jane Doe',
      signedAt: T0,
      signerRole: 'self',
      representativeAuthority: null,
      method: 'typed',
      image: null,
    },
    ...overrides,
  };
}

/** Runs a command against a state and returns its events, failing the test on an error. */
export function eventsOf<C, E, S>(decider: Decider<C, E, S>, state: S, command: C, ctx: DecideContext = context()): E[] {
  const result = decider.decide(command, state, ctx);
  if (!result.ok) throw new Error(`unexpected ${JSON.stringify(result.error)}`);
  return result.events;
}

/** The grant event a valid command produces, recorded at `now` (default: signedAt). */
export function granted(overrides: Partial<GrantAuthorization> = {}, now?: string): SubjectEvent {
  const command = grantCommand(overrides);
  const [event] = eventsOf(subjectDecider, subjectDecider.initialState(), command, context(now ?? command.signature!.signedAt!));
  return event;
}

/** Folds a subject history, with ids ev-1, ev-2, ... */
export const subjectOf = (events: SubjectEvent[]): SubjectState => foldWithIds(subjectDecider, events, 'sub');
export const contactOf = (events: ContactEvent[], prefix = 'con'): ContactState => foldWithIds(contactDecider, events, prefix);
export const tenantOf = (events: TenantEvent[]): TenantState => foldWithIds(tenantDecider, events, 'ten');

export function ms(instant: string): number {
  return Date.parse(instant);
}

export function iso(msValue: number): string {
  return new Date(msValue).toISOString();
}
