import type { ContactCommand, OptInContact, OptOutContact } from './commands';
import { accept, reject, type DecideContext, type Decided, type Decider } from './decider';
import { evidenceOf, type ContactEvent, type RecordedRef } from './events';
import { keysOverlap, optOutsInForce } from './opt-outs';
import type { Fact } from './subject';
import { instantMs, isInstant } from './time';
import {
  CHANNELS,
  CONTACT_TYPES,
  NON_SUBJECT_OPT_IN_SOURCES,
  OPT_IN_SOURCES,
  OPT_OUT_SOURCES,
  PURPOSES,
  isOneOf,
  type ChannelScope,
  type ContactType,
  type OptInSource,
  type OptOutSource,
  type PurposeScope,
} from './vocabulary';

export type ContactFact = Fact &
  (
    | { kind: 'opted-out'; purpose: PurposeScope; channel: ChannelScope; source: OptOutSource }
    | { kind: 'opted-in'; purpose: PurposeScope; channel: ChannelScope; source: OptInSource }
    | { kind: 'undeliverable'; source: OptOutSource }
  );

/** A contact's opt-out or opt-in, in the shape the C7 ordering reads. */
export type ContactChoiceFact = Extract<ContactFact, { kind: 'opted-out' | 'opted-in' }> & {
  choice: 'opt-out' | 'opt-in';
};

export interface ContactState {
  exists: boolean;
  tenantId: string | null;
  contactKey: string | null;
  type: ContactType | null;
  /** Every opt-out, opt-in and undeliverable report, in stream order (C7 keeps both kinds). */
  history: ContactFact[];
  revision: number;
}

export function initialContactState(ids: { tenantId?: string; contactKey?: string; type?: ContactType } = {}): ContactState {
  return {
    exists: false,
    tenantId: ids.tenantId ?? null,
    contactKey: ids.contactKey ?? null,
    type: ids.type ?? null,
    history: [],
    revision: -1,
  };
}

export function contactChoices(state: ContactState): ContactChoiceFact[] {
  return state.history
    .filter((f): f is Extract<ContactFact, { kind: 'opted-out' | 'opted-in' }> => f.kind !== 'undeliverable')
    .map((f) => ({ ...f, choice: f.kind === 'opted-out' ? ('opt-out' as const) : ('opt-in' as const) }));
}

/** Hard bounces in effect at `asOf` as known at `knownAt`; nothing lifts them. */
export function undeliverableFacts(state: ContactState, asOf: string, knownAt: string): ContactFact[] {
  const asOfMs = instantMs(asOf);
  const knownAtMs = instantMs(knownAt);
  return state.history.filter(
    (f) => f.kind === 'undeliverable' && instantMs(f.recordedAt) <= knownAtMs && instantMs(f.effectiveAt) <= asOfMs,
  );
}

function evolveContact(state: ContactState, event: ContactEvent, recorded?: RecordedRef): ContactState {
  const evidence = evidenceOf(recorded);
  const { contactKey, type, effectiveAt, recordedAt } = event.data;
  const next: ContactState = {
    ...state,
    exists: true,
    contactKey: state.contactKey ?? contactKey,
    type: state.type ?? type,
    revision: state.revision + 1,
  };
  const base = { effectiveAt, recordedAt, evidence };
  switch (event.type) {
    case 'ContactOptedOut': {
      const { purpose, channel, source } = event.data;
      return { ...next, history: [...state.history, { ...base, kind: 'opted-out', purpose, channel, source }] };
    }
    case 'ContactOptedIn': {
      const { purpose, channel, source } = event.data;
      return { ...next, history: [...state.history, { ...base, kind: 'opted-in', purpose, channel, source }] };
    }
    case 'ContactUndeliverable':
      return { ...next, history: [...state.history, { ...base, kind: 'undeliverable', source: event.data.source }] };
    default:
      throw new TypeError(`unhandled contact event ${JSON.stringify((event as { type?: unknown }).type)}`);
  }
}

function invalid<E>(field: string, message: string): Decided<E> {
  return reject({ code: 'InvalidCommand', field, message });
}

function checkScope(command: OptOutContact | OptInContact): Decided<ContactEvent> | null {
  if (!isOneOf(CONTACT_TYPES, command.contactType)) return invalid('contactType', 'unknown contact type');
  if (typeof command.contactKey !== 'string' || !/^[0-9a-f]{64}$/.test(command.contactKey)) {
    return invalid('contactKey', 'not a lower-case hex SHA-256');
  }
  if (command.purpose !== '*' && !isOneOf(PURPOSES, command.purpose)) return invalid('purpose', 'unknown purpose');
  if (command.channel !== '*' && !isOneOf(CHANNELS, command.channel)) return invalid('channel', 'unknown channel');
  return null;
}

function decideOptOut(command: OptOutContact, context: DecideContext): Decided<ContactEvent> {
  const bad = checkScope(command);
  if (bad) return bad;
  if (!isOneOf(OPT_OUT_SOURCES, command.source)) return invalid('source', 'unknown opt-out source');
  const effectiveAt = command.occurredAt ?? context.now;
  if (!isInstant(effectiveAt)) return invalid('occurredAt', 'not an instant with a zone');
  const common = { contactKey: command.contactKey, type: command.contactType, effectiveAt, recordedAt: context.now };
  // A hard bounce is not a choice: the address is undeliverable for every purpose.
  if (command.source === 'bounce') {
    return accept([{ type: 'ContactUndeliverable', data: { ...common, source: 'bounce' } }]);
  }
  // C1: an unsubscribe needs nothing but the address; C7 keeps every report.
  return accept([
    { type: 'ContactOptedOut', data: { ...common, purpose: command.purpose, channel: command.channel, source: command.source } },
  ]);
}

function decideOptIn(command: OptInContact, state: ContactState, context: DecideContext): Decided<ContactEvent> {
  const bad = checkScope(command);
  if (bad) return bad;
  if (!isOneOf(OPT_IN_SOURCES, command.source)) return invalid('source', 'unknown opt-in source');
  const effectiveAt = command.occurredAt ?? context.now;
  if (!isInstant(effectiveAt)) return invalid('occurredAt', 'not an instant with a zone');
  if (isOneOf(NON_SUBJECT_OPT_IN_SOURCES, command.source)) {
    const blocking = optOutsInForce(contactChoices(state), (key) => keysOverlap(key, command), effectiveAt, context.now);
    if (blocking.length > 0) {
      // C6 (16 CFR 316.5, CAN-SPAM): only the person's own act lifts an unsubscribe.
      return reject({
        code: 'ResubscribeRequiresSubjectAction',
        message: 'an opt-out is in force; re-subscribing needs the person\u2019s own act',
        contactKey: command.contactKey,
        rule: '15 U.S.C. 7704(a)(4)',
      });
    }
  }
  return accept([
    {
      type: 'ContactOptedIn',
      data: {
        contactKey: command.contactKey,
        type: command.contactType,
        purpose: command.purpose,
        channel: command.channel,
        source: command.source,
        effectiveAt,
        recordedAt: context.now,
      },
    },
  ]);
}

function decideContact(command: ContactCommand, state: ContactState, context: DecideContext): Decided<ContactEvent> {
  if (!isInstant(context.now)) return invalid('context.now', 'not an instant with a zone');
  switch (command.type) {
    case 'OptOutContact':
      return decideOptOut(command, context);
    case 'OptInContact':
      return decideOptIn(command, state, context);
    default:
      return invalid('type', 'unknown contact command');
  }
}

/** The contact stream's decider: suppressions by address, with or without a known subject (C1). */
export const contactDecider: Decider<ContactCommand, ContactEvent, ContactState> & {
  initialState(ids?: { tenantId?: string; contactKey?: string; type?: ContactType }): ContactState;
} = {
  initialState: initialContactState,
  evolve: evolveContact,
  decide: decideContact,
};
