import type { ContactCommand, OptInContact, OptOutContact, RecordInboundSms, ResolveSmsReview } from './commands';
import { accept, reject, type DecideContext, type Decided, type Decider } from './decider';
import {
  evidenceOf,
  type ContactEvent,
  type ContactOptedIn,
  type ContactOptedOut,
  type RecordedRef,
  type SmsOrigin,
} from './events';
import { contactKeyOf, normalisePhone } from './identity';
import { keysOverlap, optOutsInForce } from './opt-outs';
import { policyVersionAt } from './policy/versions';
import type { ContactFactView } from './policy/view';
import { parseSmsKeyword } from './sms';
import type { Fact } from './subject';
import { instantMs, isInstant } from './time';
import {
  CHANNELS,
  SMS_REVIEW_OUTCOMES,
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
  type Purpose,
  type PurposeScope,
  type SmsReviewOutcome,
} from './vocabulary';

export type ContactFact = Fact &
  (
    | { kind: 'opted-out'; purpose: PurposeScope; channel: ChannelScope; source: OptOutSource }
    | { kind: 'opted-in'; purpose: PurposeScope; channel: ChannelScope; source: OptInSource }
    | { kind: 'undeliverable'; source: OptOutSource }
  );

/** T1: a text that merely contained a revocation word, awaiting (or having had) a person's decision. */
export interface SmsReviewItem extends Fact {
  reviewId: string;
  keyword: string;
  inReplyTo: { purpose: Purpose } | null;
  policyVersion: string;
  resolution: (Fact & { outcome: SmsReviewOutcome }) | null;
}

export interface ContactState {
  exists: boolean;
  tenantId: string | null;
  contactKey: string | null;
  type: ContactType | null;
  /** Every opt-out, opt-in and undeliverable report, in stream order (C7 keeps both kinds). */
  history: ContactFact[];
  /** T1: review items, in stream order (the text itself stays in the event: personal data). */
  reviews: SmsReviewItem[];
  revision: number;
}

/** Review items not yet resolved (as known now): the review queue of this number. */
export function openSmsReviews(state: ContactState): SmsReviewItem[] {
  return state.reviews.filter((r) => r.resolution === null);
}

export function initialContactState(ids: { tenantId?: string; contactKey?: string; type?: ContactType } = {}): ContactState {
  return {
    exists: false,
    tenantId: ids.tenantId ?? null,
    contactKey: ids.contactKey ?? null,
    type: ids.type ?? null,
    history: [],
    reviews: [],
    revision: -1,
  };
}

/** A contact's opt-outs and opt-ins, in the shape the C7 ordering reads (from its state or its policy view). */
export function contactChoices<F extends ContactFactView>(
  state: { history: readonly F[] },
): (Extract<F, { kind: 'opted-out' | 'opted-in' }> & { choice: 'opt-out' | 'opt-in' })[] {
  return state.history
    .filter((f): f is Extract<F, { kind: 'opted-out' | 'opted-in' }> => f.kind !== 'undeliverable')
    .map((f) => ({ ...f, choice: f.kind === 'opted-out' ? ('opt-out' as const) : ('opt-in' as const) }));
}

/** Hard bounces in effect at `asOf` as known at `knownAt`; nothing lifts them. */
export function undeliverableFacts<F extends ContactFactView>(state: { history: readonly F[] }, asOf: string, knownAt: string): F[] {
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
    case 'SmsReviewRequested': {
      const { reviewId, keyword, inReplyTo, policyVersion } = event.data;
      return { ...next, reviews: [...state.reviews, { ...base, reviewId, keyword, inReplyTo, policyVersion, resolution: null }] };
    }
    case 'SmsReviewResolved': {
      const { reviewId, outcome } = event.data;
      return {
        ...next,
        reviews: state.reviews.map((r) => (r.reviewId !== reviewId || r.resolution ? r : { ...r, resolution: { ...base, outcome } })),
      };
    }
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
        ruleId: 'C6',
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

type SmsChoiceEvent = ContactOptedOut | ContactOptedIn;

/**
 * T3, 47 CFR 64.1200(a)(10): the (purpose, channel) keys a STOP or START reaches, by the policy in force when the
 * text was received. Before the revoke-all date: the kind of message replied to (marketing by default), on SMS.
 * From it: every purpose on SMS and voice.
 */
export function smsScope(receivedAt: string, inReplyTo: { purpose: Purpose } | null | undefined): {
  policyVersion: string;
  keys: { purpose: PurposeScope; channel: ChannelScope }[];
} {
  const policy = policyVersionAt(receivedAt);
  const keys: { purpose: PurposeScope; channel: ChannelScope }[] =
    policy.smsStopScope === 'revoke-all'
      ? [
          { purpose: '*', channel: 'sms' },
          { purpose: '*', channel: 'voice' },
        ]
      : [{ purpose: inReplyTo?.purpose ?? 'marketing', channel: 'sms' }];
  return { policyVersion: policy.version, keys };
}

/** The opt-out or opt-in a STOP / START (read or reviewed) implies, effective when the text was received. */
function smsChoice(
  choice: 'opt-out' | 'opt-in',
  state: ContactState,
  contactKey: string,
  receivedAt: string,
  inReplyTo: { purpose: Purpose } | null | undefined,
  origin: SmsOrigin,
  context: DecideContext,
): SmsChoiceEvent[] {
  const scope = smsScope(receivedAt, inReplyTo);
  const keys = [...scope.keys];
  if (choice === 'opt-in') {
    // START undoes the STOPs in force on this number, whatever scope their own policy version gave them.
    const stops = optOutsInForce(contactChoices(state), () => true, receivedAt, context.now).filter((f) => f.source === 'sms-stop');
    for (const stop of stops) {
      if (!keys.some((k) => k.purpose === stop.purpose && k.channel === stop.channel)) keys.push({ purpose: stop.purpose, channel: stop.channel });
    }
  }
  const common = { contactKey, type: 'phone' as const, ...origin, policyVersion: scope.policyVersion, effectiveAt: receivedAt, recordedAt: context.now };
  return keys.map((key): SmsChoiceEvent =>
    choice === 'opt-out'
      ? { type: 'ContactOptedOut', data: { ...common, ...key, source: 'sms-stop' } }
      : { type: 'ContactOptedIn', data: { ...common, ...key, source: 'sms-start' } },
  );
}

/** T1-T3: an inbound text on the stream of the number that sent it. */
function decideInboundSms(command: RecordInboundSms, state: ContactState, context: DecideContext): Decided<ContactEvent> {
  const from = normalisePhone(command.from);
  if (from === null || from !== command.from) return invalid('from', 'not a phone number in E.164');
  if (command.contactKey !== contactKeyOf(from)) return invalid('contactKey', 'the contact key is not the hash of the number');
  if (typeof command.body !== 'string') return invalid('body', 'the text of the message is required');
  const receivedAt = command.receivedAt ?? context.now;
  if (!isInstant(receivedAt)) return invalid('receivedAt', 'not an instant with a zone');
  const inReplyTo = command.inReplyTo ?? null;
  if (inReplyTo !== null && !isOneOf(PURPOSES, inReplyTo.purpose)) return invalid('inReplyTo.purpose', 'unknown purpose');
  const read = parseSmsKeyword(command.body);
  switch (read.kind) {
    case 'opt-out':
    case 'opt-in':
      return accept(smsChoice(read.kind, state, command.contactKey, receivedAt, inReplyTo, { keyword: read.keyword }, context));
    case 'review':
      return accept([
        {
          type: 'SmsReviewRequested',
          data: {
            reviewId: context.newId(),
            contactKey: command.contactKey,
            type: 'phone',
            body: command.body,
            keyword: read.keyword!,
            inReplyTo,
            policyVersion: smsScope(receivedAt, inReplyTo).policyVersion,
            effectiveAt: receivedAt,
            recordedAt: context.now,
          },
        },
      ]);
    default:
      return accept([]);
  }
}

/**
 * T1: a person decides what a text meant. An opt-out or opt-in so decided takes effect when the text was received
 * (the person acted then; the ledger learned it now), with the scope of the policy in force then (T3).
 */
function decideResolveReview(command: ResolveSmsReview, state: ContactState, context: DecideContext): Decided<ContactEvent> {
  if (!isOneOf(SMS_REVIEW_OUTCOMES, command.outcome)) return invalid('outcome', 'unknown review outcome');
  const resolvedAt = command.resolvedAt ?? context.now;
  if (!isInstant(resolvedAt)) return invalid('resolvedAt', 'not an instant with a zone');
  const item = state.reviews.find((r) => r.reviewId === command.reviewId);
  if (!item) return reject({ code: 'SmsReviewNotFound', message: 'no such review item for this number', reviewId: command.reviewId });
  if (item.resolution) {
    if (item.resolution.outcome === command.outcome) return accept([]);
    return reject({
      code: 'SmsReviewAlreadyResolved',
      message: 'the review item was already resolved with another outcome',
      reviewId: item.reviewId,
      outcome: item.resolution.outcome,
    });
  }
  const contactKey = state.contactKey!;
  const implied =
    command.outcome === 'none'
      ? []
      : smsChoice(command.outcome, state, contactKey, item.effectiveAt, item.inReplyTo, { keyword: item.keyword, reviewId: item.reviewId }, context);
  return accept([
    {
      type: 'SmsReviewResolved',
      data: { reviewId: item.reviewId, contactKey, type: 'phone', outcome: command.outcome, effectiveAt: resolvedAt, recordedAt: context.now },
    },
    ...implied,
  ]);
}

function decideContact(command: ContactCommand, state: ContactState, context: DecideContext): Decided<ContactEvent> {
  if (!isInstant(context.now)) return invalid('context.now', 'not an instant with a zone');
  switch (command.type) {
    case 'OptOutContact':
      return decideOptOut(command, context);
    case 'OptInContact':
      return decideOptIn(command, state, context);
    case 'RecordInboundSms':
      return decideInboundSms(command, state, context);
    case 'ResolveSmsReview':
      return decideResolveReview(command, state, context);
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
