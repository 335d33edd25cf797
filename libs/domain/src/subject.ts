import { SIGNED_AT_TOLERANCE_MS, checkAuthorization } from './authorization-requirements';
import type {
  EraseSubject,
  GiveEsignConsent,
  GrantAuthorization,
  InvalidateAuthorization,
  LinkContact,
  RecordCopyProvided,
  RecordExpirationEvent,
  RevokeAuthorization,
  SetPreference,
  SubjectCommand,
  UnlinkContact,
  ExpireAuthorization,
  WithdrawEsignConsent,
} from './commands';
import { accept, reject, type DecideContext, type Decided, type Decider } from './decider';
import {
  DEFAULT_TENANT_SETTINGS,
  evidenceOf,
  type AuthenticationContext,
  type AuthorizationExpired,
  type AuthorizationTerms,
  type Evidence,
  type Part2Noticed,
  type PreferenceSet,
  type RecordedRef,
  type SubjectEvent,
} from './events';
import { contactKeyOf } from './identity';
import { keysOverlap, optOutsInForce } from './opt-outs';
import { part2Notice } from './part2';
import { RETENTION_RULE, retentionHold } from './retention';
import type { AuthorizationView, ContactLinkView, FactView } from './policy/view';
import { instantMs, isInstant } from './time';
import {
  AUTHORIZATION_DEFECTS,
  CHANNELS,
  CONTACT_TYPES,
  COPY_METHODS,
  ELECTRONIC_COPY_METHODS,
  INTENT_ACTS,
  NON_SUBJECT_PREFERENCE_SOURCES,
  PREFERENCE_CHOICES,
  PREFERENCE_SOURCES,
  PURPOSES,
  REVOCATION_CHANNELS,
  WRITTEN_REVOCATION_CHANNELS,
  isOneOf,
  type AuthorizationDefect,
  type ChannelScope,
  type ContactType,
  type CopyMethod,
  type IntentAct,
  type NonSubjectPreferenceSource,
  type PreferenceChoice,
  type PreferenceSource,
  type PurposeScope,
  type RevocationChannel,
  type SignatureMethod,
} from './vocabulary';

// ---- state ---------------------------------------------------------------------------------

/** Every fact keeps both times and, once stored, the event it rests on. */
export interface Fact {
  effectiveAt: string;
  recordedAt: string;
  evidence: Evidence | null;
}

export interface RevocationFact extends Fact {
  receivedVia: RevocationChannel;
  note: string | null;
}

export interface ExpiryFact extends Fact {
  reason: 'date' | 'event';
  expirationEvent: string | null;
}

/** H8: a defect discovered after intake, effective from its discovery. */
export interface InvalidationFact extends Fact {
  defect: AuthorizationDefect;
  rule: string;
}

/** H7 / E2: a copy given to the individual, and how. */
export interface CopyFact extends Fact {
  method: CopyMethod;
  esignConsent: { disclosureVersion: string; givenAt: string } | null;
}

/** An authorization as granted (the grant's own times are the record's Fact), and how it ended. */
export interface AuthorizationRecord extends AuthorizationTerms, Part2Noticed, Fact {
  revocation: RevocationFact | null;
  /** H9: an oral request awaiting a written revocation. */
  revocationRequest: RevocationFact | null;
  expiry: ExpiryFact | null;
  /** H8: a defect discovered after intake. */
  invalidation: InvalidationFact | null;
  /** H7: every copy provided, in stream order. */
  copies: CopyFact[];
}

export interface PreferenceFact extends Fact {
  purpose: PurposeScope;
  channel: ChannelScope;
  choice: PreferenceChoice;
  source: PreferenceSource | NonSubjectPreferenceSource;
}

/** E2: an ESIGN consent given or withdrawn. */
export interface EsignConsentFact extends Fact {
  action: 'given' | 'withdrawn';
  disclosureVersion: string;
}

export type ContactLinkFact = Fact &
  (
    | { action: 'linked'; contactKey: string; type: ContactType; value: string }
    | { action: 'unlinked'; contactKey: string; type: ContactType }
  );

export interface SubjectState {
  /** Whether the stream holds any event. */
  exists: boolean;
  tenantId: string | null;
  subjectId: string | null;
  /** In grant order. */
  authorizations: AuthorizationRecord[];
  /** Every PreferenceSet in stream order; evaluation orders them by effectiveAt (C7). */
  preferences: PreferenceFact[];
  /** Links and unlinks in stream order. */
  contacts: ContactLinkFact[];
  /** E2: ESIGN consents given and withdrawn, in stream order. */
  esignConsents: EsignConsentFact[];
  /** H11: the erasure, once recorded. */
  erasure: Fact | null;
  /** Events folded minus one: -1 for an empty stream (the expected revision for an append). */
  revision: number;
}

export function initialSubjectState(ids: { tenantId?: string; subjectId?: string } = {}): SubjectState {
  return {
    exists: false,
    tenantId: ids.tenantId ?? null,
    subjectId: ids.subjectId ?? null,
    authorizations: [],
    preferences: [],
    contacts: [],
    esignConsents: [],
    erasure: null,
    revision: -1,
  };
}

export function findAuthorization(state: SubjectState, authorizationId: string): AuthorizationRecord | undefined {
  return state.authorizations.find((a) => a.authorizationId === authorizationId);
}

/** Contact points linked now (by the latest link/unlink of each key). */
export function linkedContacts<F extends ContactLinkView>(state: { contacts: readonly F[] }): (F & { action: 'linked' })[] {
  const latest = new Map<string, F>();
  for (const fact of state.contacts) latest.set(fact.contactKey, fact);
  return [...latest.values()].filter((fact): fact is F & { action: 'linked' } => fact.action === 'linked');
}

export type AuthorizationStatus =
  | 'unknown'
  | 'pending'
  | 'active'
  | 'revocation-requested'
  | 'revoked'
  | 'expired'
  | 'invalidated';

export type AuthorizationEndCause = 'revoked' | 'expired' | 'invalidated';

const known = <F extends FactView>(fact: F | null, knownAtMs: number): fact is F =>
  fact !== null && instantMs(fact.recordedAt) <= knownAtMs;

/**
 * The instant (ms) an authorization stops being in force as known at `knownAt`, and why:
 * the earliest of its expiry date, its expiry event, its revocation and its invalidation (H8, H9, H13).
 */
export function authorizationEnd<A extends AuthorizationView>(
  record: A,
  knownAt: string,
): { atMs: number; cause: AuthorizationEndCause; fact: NonNullable<A['revocation']> | NonNullable<A['expiry']> | NonNullable<A['invalidation']> | null } | null {
  type EndFact = NonNullable<A['revocation']> | NonNullable<A['expiry']> | NonNullable<A['invalidation']>;
  const knownAtMs = instantMs(knownAt);
  const ends: { atMs: number; cause: AuthorizationEndCause; fact: EndFact | null }[] = [];
  // H8: a defect discovered later ends it from its discovery, never before.
  if (known(record.invalidation, knownAtMs)) {
    ends.push({ atMs: instantMs(record.invalidation.effectiveAt), cause: 'invalidated', fact: record.invalidation });
  }
  if (record.expiresAt !== null) ends.push({ atMs: instantMs(record.expiresAt), cause: 'expired', fact: null });
  if (known(record.expiry, knownAtMs)) {
    ends.push({ atMs: instantMs(record.expiry.effectiveAt), cause: 'expired', fact: record.expiry });
  }
  if (known(record.revocation, knownAtMs)) {
    ends.push({ atMs: instantMs(record.revocation.effectiveAt), cause: 'revoked', fact: record.revocation });
  }
  if (ends.length === 0) return null;
  return ends.reduce((a, b) => (b.atMs < a.atMs ? b : a));
}

/** Status of an authorization at effective time `asOf`, as known at ledger time `knownAt`. */
export function authorizationStatusAt(record: AuthorizationView, asOf: string, knownAt: string): AuthorizationStatus {
  const asOfMs = instantMs(asOf);
  const knownAtMs = instantMs(knownAt);
  if (instantMs(record.recordedAt) > knownAtMs) return 'unknown';
  if (instantMs(record.signature.signedAt) > asOfMs) return 'pending';
  const end = authorizationEnd(record, knownAt);
  if (end && asOfMs >= end.atMs) return end.cause;
  const request = record.revocationRequest;
  if (known(request, knownAtMs) && instantMs(request.effectiveAt) <= asOfMs) return 'revocation-requested';
  return 'active';
}

/** In force at `asOf` as known at `knownAt`: signedAt <= asOf < end. An oral request does not end it (H9). */
export function isAuthorizationActive(record: AuthorizationView, asOf: string, knownAt: string): boolean {
  const status = authorizationStatusAt(record, asOf, knownAt);
  return status === 'active' || status === 'revocation-requested';
}

/** E2: the ESIGN consent in force at `asOf` as known at `knownAt` (the latest give or withdrawal by effectiveAt). */
export function esignConsentAt(state: SubjectState, asOf: string, knownAt: string): EsignConsentFact | null {
  const asOfMs = instantMs(asOf);
  const knownAtMs = instantMs(knownAt);
  let latest: EsignConsentFact | null = null;
  for (const fact of state.esignConsents) {
    if (!(instantMs(fact.recordedAt) <= knownAtMs) || !(instantMs(fact.effectiveAt) <= asOfMs)) continue;
    if (!latest || instantMs(fact.effectiveAt) >= instantMs(latest.effectiveAt)) latest = fact;
  }
  return latest?.action === 'given' ? latest : null;
}

// ---- evolve --------------------------------------------------------------------------------

function evolveSubject(state: SubjectState, event: SubjectEvent, recorded?: RecordedRef): SubjectState {
  const evidence = evidenceOf(recorded);
  const next: SubjectState = { ...state, exists: true, revision: state.revision + 1 };
  switch (event.type) {
    case 'AuthorizationGranted': {
      const { effectiveAt, recordedAt, ...terms } = event.data;
      const record: AuthorizationRecord = {
        ...terms,
        effectiveAt,
        recordedAt,
        evidence,
        revocation: null,
        revocationRequest: null,
        expiry: null,
        invalidation: null,
        copies: [],
      };
      return {
        ...next,
        subjectId: next.subjectId ?? terms.subjectId,
        authorizations: [...state.authorizations.filter((a) => a.authorizationId !== terms.authorizationId), record],
      };
    }
    case 'AuthorizationRevoked':
    case 'AuthorizationRevocationRequested':
    case 'AuthorizationExpired': {
      const { authorizationId, effectiveAt, recordedAt } = event.data;
      return {
        ...next,
        authorizations: state.authorizations.map((a) => {
          if (a.authorizationId !== authorizationId) return a;
          const fact = { effectiveAt, recordedAt, evidence };
          // The first fact of each kind stands: a repeat is answered with the original's evidence.
          if (event.type === 'AuthorizationRevoked') {
            return a.revocation ? a : { ...a, revocation: { ...fact, receivedVia: event.data.receivedVia, note: event.data.note } };
          }
          if (event.type === 'AuthorizationRevocationRequested') {
            return a.revocationRequest
              ? a
              : { ...a, revocationRequest: { ...fact, receivedVia: event.data.receivedVia, note: event.data.note } };
          }
          return a.expiry
            ? a
            : { ...a, expiry: { ...fact, reason: event.data.reason, expirationEvent: event.data.expirationEvent } };
        }),
      };
    }
    case 'AuthorizationInvalidated': {
      const { authorizationId, defect, rule, effectiveAt, recordedAt } = event.data;
      return {
        ...next,
        authorizations: state.authorizations.map((a) =>
          a.authorizationId !== authorizationId || a.invalidation
            ? a
            : { ...a, invalidation: { defect, rule, effectiveAt, recordedAt, evidence } },
        ),
      };
    }
    case 'AuthorizationCopyProvided': {
      const { authorizationId, method, esignConsent, effectiveAt, recordedAt } = event.data;
      return {
        ...next,
        authorizations: state.authorizations.map((a) =>
          a.authorizationId !== authorizationId
            ? a
            : { ...a, copies: [...a.copies, { method, esignConsent, effectiveAt, recordedAt, evidence }] },
        ),
      };
    }
    case 'EsignConsentGiven':
    case 'EsignConsentWithdrawn': {
      const { disclosureVersion, effectiveAt, recordedAt } = event.data;
      const action = event.type === 'EsignConsentGiven' ? ('given' as const) : ('withdrawn' as const);
      return { ...next, esignConsents: [...state.esignConsents, { action, disclosureVersion, effectiveAt, recordedAt, evidence }] };
    }
    case 'SubjectErased': {
      const { effectiveAt, recordedAt } = event.data;
      return { ...next, erasure: state.erasure ?? { effectiveAt, recordedAt, evidence } };
    }
    case 'PreferenceSet': {
      const { purpose, channel, choice, source, effectiveAt, recordedAt } = event.data;
      return {
        ...next,
        preferences: [...state.preferences, { purpose, channel, choice, source, effectiveAt, recordedAt, evidence }],
      };
    }
    case 'ContactPointLinked': {
      const { contactKey, type, value, effectiveAt, recordedAt } = event.data;
      return {
        ...next,
        contacts: [...state.contacts, { action: 'linked', contactKey, type, value, effectiveAt, recordedAt, evidence }],
      };
    }
    case 'ContactPointUnlinked': {
      const { contactKey, type, effectiveAt, recordedAt } = event.data;
      return {
        ...next,
        contacts: [...state.contacts, { action: 'unlinked', contactKey, type, effectiveAt, recordedAt, evidence }],
      };
    }
    default:
      return assertNever(event);
  }
}

function assertNever(value: never): never {
  throw new TypeError(`unhandled subject event ${JSON.stringify((value as { type?: unknown }).type)}`);
}

// ---- decide --------------------------------------------------------------------------------

function invalid<E>(field: string, message: string): Decided<E> {
  return reject({ code: 'InvalidCommand', field, message });
}

function notFound<E>(authorizationId: string): Decided<E> {
  return reject({ code: 'AuthorizationNotFound', message: 'no such authorization for this subject', authorizationId });
}

function decideGrant(command: GrantAuthorization, state: SubjectState, context: DecideContext): Decided<SubjectEvent> {
  const authorizationId = command.authorizationId ?? context.newId();
  if (findAuthorization(state, authorizationId)) {
    return reject({ code: 'AuthorizationAlreadyExists', message: 'an authorization with this id exists', authorizationId });
  }
  // 164.508(b)(2)(i): an expiration event already known to have occurred makes it defective.
  const occurred = new Set(
    state.authorizations
      .map((a) => a.expiry)
      .filter((e): e is ExpiryFact => e !== null && e.reason === 'event' && e.expirationEvent !== null)
      .filter((e) => instantMs(e.effectiveAt) <= instantMs(context.now))
      .map((e) => e.expirationEvent as string),
  );
  const check = checkAuthorization(command, context, occurred);
  if (!check.ok) {
    const n = check.missingElements.length;
    return reject({
      code: 'DefectiveAuthorization',
      message: `the authorization is defective (45 CFR 164.508(b)(2)): ${n} element${n === 1 ? '' : 's'} missing or invalid`,
      missingElements: check.missingElements,
    });
  }
  // Past validation, every element below is present.
  const signature = command.signature!;
  const method = signature.method ?? 'typed';
  if (signature.intentAct !== undefined && !isOneOf(INTENT_ACTS, signature.intentAct)) {
    return invalid('signature.intentAct', 'unknown intent act');
  }
  const part2 = check.expiry.part2;
  return accept([
    {
      type: 'AuthorizationGranted',
      data: {
        authorizationId,
        subjectId: command.subjectId,
        formId: command.formId!,
        formVersion: command.formVersion!,
        purposes: [...new Set(command.purposes!)],
        channels: [...new Set(command.channels ?? [])],
        informationDescription: command.informationDescription!,
        disclosers: [...command.disclosers!],
        recipients: [...command.recipients!],
        purposeStatement: command.purposeStatement!,
        expiresAt: check.expiry.expiresAt,
        expiresOn: check.expiry.expiresOn,
        expirationEvent: check.expiry.expirationEvent,
        remuneration: {
          involved: command.remuneration?.involved === true,
          statement: command.remuneration?.statement ?? null,
        },
        statements: { rightToRevoke: true, noConditioning: true, redisclosure: true },
        signature: {
          signerName: signature.signerName!,
          signedAt: signature.signedAt!,
          signerRole: signature.signerRole ?? 'self',
          representativeAuthority: signature.representativeAuthority ?? null,
          method,
          hasImage: typeof signature.image === 'string' && signature.image.length > 0,
          // E1: the act adopted with intent to sign; E3: who was authenticated, how.
          intentAct: signature.intentAct ?? INTENT_OF_METHOD[method],
          ...(signature.authentication ? { authentication: authenticationOf(signature.authentication) } : {}),
        },
        documentSha256: command.documentSha256 ?? null,
        ...(command.documentSignature ? { documentSignature: command.documentSignature } : {}),
        ...(part2 ? { part2 } : {}),
        ...part2Notice(command),
        effectiveAt: signature.signedAt!,
        recordedAt: context.now,
      },
    },
  ]);
}

/** E1: the intent act a signature method implies when the caller names none. */
const INTENT_OF_METHOD: Readonly<Record<SignatureMethod, IntentAct>> = {
  typed: 'typed-name',
  drawn: 'drawn-mark',
  paper: 'wet-ink',
};

function authenticationOf(given: NonNullable<NonNullable<GrantAuthorization['signature']>['authentication']>): AuthenticationContext {
  return {
    method: typeof given.method === 'string' && given.method.trim() !== '' ? given.method : 'unspecified',
    ip: given.ip ?? null,
    userAgent: given.userAgent ?? null,
    sessionId: given.sessionId ?? null,
  };
}

function decideRevoke(command: RevokeAuthorization, state: SubjectState, context: DecideContext): Decided<SubjectEvent> {
  if (!isOneOf(REVOCATION_CHANNELS, command.receivedVia)) return invalid('receivedVia', 'unknown revocation channel');
  if (!isInstant(command.receivedAt)) return invalid('receivedAt', 'not an instant with a zone');
  const record = findAuthorization(state, command.authorizationId);
  if (!record) return notFound(command.authorizationId);
  // Already revoked: nothing to add; the caller answers with the first revocation's evidence.
  if (record.revocation) return accept([]);
  const note = command.note ?? null;
  if (isOneOf(WRITTEN_REVOCATION_CHANNELS, command.receivedVia)) {
    // 45 CFR 164.508(b)(5): revocation is effective on receipt, never retroactive.
    return accept([
      {
        type: 'AuthorizationRevoked',
        data: {
          authorizationId: record.authorizationId,
          receivedVia: command.receivedVia,
          note,
          ...part2Notice(record),
          effectiveAt: command.receivedAt,
          recordedAt: context.now,
        },
      },
    ]);
  }
  // H9: an oral request is not a revocation (164.508(b)(5) requires writing), but the person's
  // wish takes effect at once as opt-outs for the authorization's purposes and channels.
  if (record.revocationRequest) return accept([]);
  const source: PreferenceSource = command.receivedVia === 'phone' ? 'phone' : 'in-person';
  const optOuts: PreferenceSet[] = record.purposes.flatMap((purpose) =>
    record.channels.map((channel) => ({
      type: 'PreferenceSet' as const,
      data: { purpose, channel, choice: 'opt-out' as const, source, effectiveAt: command.receivedAt, recordedAt: context.now },
    })),
  );
  return accept([
    {
      type: 'AuthorizationRevocationRequested',
      data: {
        authorizationId: record.authorizationId,
        receivedVia: command.receivedVia,
        note,
        ...part2Notice(record),
        effectiveAt: command.receivedAt,
        recordedAt: context.now,
      },
    },
    ...optOuts,
  ]);
}

/** Ended as of `atMs` by an earlier expiry fact, revocation or invalidation (as currently known). */
function endedBy(record: AuthorizationRecord, atMs: number): boolean {
  if (record.expiry) return true;
  if (record.invalidation && instantMs(record.invalidation.effectiveAt) <= atMs) return true;
  return record.revocation !== null && instantMs(record.revocation.effectiveAt) <= atMs;
}

function decideExpire(command: ExpireAuthorization, state: SubjectState, context: DecideContext): Decided<SubjectEvent> {
  const record = findAuthorization(state, command.authorizationId);
  if (!record) return notFound(command.authorizationId);
  if (record.expiresAt === null) return accept([]);
  const expiresAtMs = instantMs(record.expiresAt);
  // Idempotent: early, repeated, or after an earlier end, the scheduler's call appends nothing.
  if (expiresAtMs > instantMs(context.now) || endedBy(record, expiresAtMs)) return accept([]);
  return accept([
    {
      type: 'AuthorizationExpired',
      data: {
        authorizationId: record.authorizationId,
        reason: 'date',
        expirationEvent: null,
        ...part2Notice(record),
        effectiveAt: record.expiresAt,
        recordedAt: context.now,
      },
    },
  ]);
}

function decideExpirationEvent(
  command: RecordExpirationEvent,
  state: SubjectState,
  context: DecideContext,
): Decided<SubjectEvent> {
  if (typeof command.event !== 'string' || command.event.trim() === '') return invalid('event', 'an event name is required');
  if (!isInstant(command.occurredAt)) return invalid('occurredAt', 'not an instant with a zone');
  const occurredMs = instantMs(command.occurredAt);
  // H13: the event ends, at its occurrence, every authorization naming it that is still in force.
  const events: AuthorizationExpired[] = state.authorizations
    .filter((a) => a.expirationEvent === command.event)
    .filter((a) => !endedBy(a, occurredMs))
    .filter((a) => a.expiresAt === null || instantMs(a.expiresAt) > occurredMs)
    .map((a) => ({
      type: 'AuthorizationExpired',
      data: {
        authorizationId: a.authorizationId,
        reason: 'event',
        expirationEvent: command.event,
        ...part2Notice(a),
        effectiveAt: command.occurredAt,
        recordedAt: context.now,
      },
    }));
  return accept(events);
}

function decidePreference(command: SetPreference, state: SubjectState, context: DecideContext): Decided<SubjectEvent> {
  if (command.purpose !== '*' && !isOneOf(PURPOSES, command.purpose)) return invalid('purpose', 'unknown purpose');
  if (command.channel !== '*' && !isOneOf(CHANNELS, command.channel)) return invalid('channel', 'unknown channel');
  if (!isOneOf(PREFERENCE_CHOICES, command.choice)) return invalid('choice', 'unknown choice');
  const bySomeoneElse = isOneOf(NON_SUBJECT_PREFERENCE_SOURCES, command.source);
  if (!isOneOf(PREFERENCE_SOURCES, command.source) && !bySomeoneElse) return invalid('source', 'unknown preference source');
  const effectiveAt = command.effectiveAt ?? context.now;
  if (!isInstant(effectiveAt)) return invalid('effectiveAt', 'not an instant with a zone');
  if (command.choice === 'opt-in' && bySomeoneElse) {
    const blocking = optOutsInForce(state.preferences, (key) => keysOverlap(key, command), effectiveAt, context.now);
    if (blocking.length > 0) {
      // H10, 45 CFR 164.514(f)(2)(v): opting back in to fundraising is the person's own act; C6 likewise for the rest.
      const fundraising = [command, ...blocking].some((k) => k.purpose === 'fundraising');
      return reject({
        code: 'ResubscribeRequiresSubjectAction',
        message: 'an opt-out is in force; opting back in needs the person\u2019s own act',
        purpose: command.purpose,
        channel: command.channel,
        rule: fundraising ? '45 CFR 164.514(f)(2)(v)' : '15 U.S.C. 7704(a)(4)',
        ruleId: fundraising ? 'H10' : 'C6',
      });
    }
  }
  return accept([
    {
      type: 'PreferenceSet',
      data: {
        purpose: command.purpose,
        channel: command.channel,
        choice: command.choice,
        source: command.source,
        effectiveAt,
        recordedAt: context.now,
      },
    },
  ]);
}

/** A time the caller gives for an act (default now); an act dated beyond the clock-skew tolerance is refused. */
function actTime(field: string, given: string | undefined, context: DecideContext): { ok: true; at: string } | { ok: false; error: Decided<SubjectEvent> } {
  const at = given ?? context.now;
  if (!isInstant(at)) return { ok: false, error: invalid(field, 'not an instant with a zone') };
  if (instantMs(at) > instantMs(context.now) + SIGNED_AT_TOLERANCE_MS) return { ok: false, error: invalid(field, 'lies in the future') };
  return { ok: true, at };
}

/** E2, 15 U.S.C. 7001(c)(1): the ESIGN consent must follow the disclosures and show the person can open the format. */
function decideGiveEsign(command: GiveEsignConsent, state: SubjectState, context: DecideContext): Decided<SubjectEvent> {
  if (typeof command.disclosureVersion !== 'string' || command.disclosureVersion.trim() === '') {
    return invalid('disclosureVersion', 'the version of the ESIGN disclosures shown is required (15 U.S.C. 7001(c)(1)(B))');
  }
  if (command.demonstratedAccess !== true) {
    return invalid('demonstratedAccess', 'the consent must show the person can access the electronic format (15 U.S.C. 7001(c)(1)(C)(ii), E2)');
  }
  const when = actTime('givenAt', command.givenAt, context);
  if (!when.ok) return when.error;
  const current = esignConsentAt(state, when.at, context.now);
  if (current && current.disclosureVersion === command.disclosureVersion) return accept([]);
  return accept([
    {
      type: 'EsignConsentGiven',
      data: { disclosureVersion: command.disclosureVersion, demonstratedAccess: true, effectiveAt: when.at, recordedAt: context.now },
    },
  ]);
}

function decideWithdrawEsign(command: WithdrawEsignConsent, state: SubjectState, context: DecideContext): Decided<SubjectEvent> {
  const when = actTime('withdrawnAt', command.withdrawnAt, context);
  if (!when.ok) return when.error;
  const current = esignConsentAt(state, when.at, context.now);
  if (!current) return accept([]);
  return accept([
    {
      type: 'EsignConsentWithdrawn',
      data: { disclosureVersion: current.disclosureVersion, effectiveAt: when.at, recordedAt: context.now },
    },
  ]);
}

/** H7, 45 CFR 164.508(c)(4): the individual's copy; an electronic one rests on an ESIGN consent in force (E2). */
function decideCopy(command: RecordCopyProvided, state: SubjectState, context: DecideContext): Decided<SubjectEvent> {
  if (!isOneOf(COPY_METHODS, command.method)) return invalid('method', 'unknown copy method');
  const when = actTime('providedAt', command.providedAt, context);
  if (!when.ok) return when.error;
  const record = findAuthorization(state, command.authorizationId);
  if (!record) return notFound(command.authorizationId);
  let esignConsent: { disclosureVersion: string; givenAt: string } | null = null;
  if (isOneOf(ELECTRONIC_COPY_METHODS, command.method)) {
    const consent = esignConsentAt(state, when.at, context.now);
    if (!consent) {
      // E2, 15 U.S.C. 7001(c)(1): without consent to electronic records the copy goes on paper.
      return reject({
        code: 'EsignConsentRequired',
        message: 'an electronic copy needs the person\u2019s ESIGN consent to electronic records; provide it on paper',
        authorizationId: record.authorizationId,
        rule: '15 U.S.C. 7001(c)(1)',
        ruleId: 'E2',
      });
    }
    esignConsent = { disclosureVersion: consent.disclosureVersion, givenAt: consent.effectiveAt };
  }
  return accept([
    {
      type: 'AuthorizationCopyProvided',
      data: {
        authorizationId: record.authorizationId,
        method: command.method,
        esignConsent,
        ...part2Notice(record),
        effectiveAt: when.at,
        recordedAt: context.now,
      },
    },
  ]);
}

/** H8: the paragraph of 45 CFR 164.508(b) each defect breaks. */
export const DEFECT_RULES: Readonly<Record<AuthorizationDefect, string>> = {
  'expiry-passed': '45 CFR 164.508(b)(2)(i)',
  'element-missing': '45 CFR 164.508(b)(2)(ii)',
  'known-revoked': '45 CFR 164.508(b)(2)(iii)',
  compound: '45 CFR 164.508(b)(2)(iv), (b)(3)',
  conditioned: '45 CFR 164.508(b)(2)(iv), (b)(4)',
  'known-false': '45 CFR 164.508(b)(2)(v)',
};

/** H8: a defect discovered after intake ends the authorization from its discovery, never before. */
function decideInvalidate(command: InvalidateAuthorization, state: SubjectState, context: DecideContext): Decided<SubjectEvent> {
  if (!isOneOf(AUTHORIZATION_DEFECTS, command.defect)) return invalid('defect', 'unknown defect');
  const when = actTime('discoveredAt', command.discoveredAt, context);
  if (!when.ok) return when.error;
  const record = findAuthorization(state, command.authorizationId);
  if (!record) return notFound(command.authorizationId);
  if (instantMs(when.at) < instantMs(record.signature.signedAt)) {
    return invalid('discoveredAt', 'a defect cannot be discovered before the signature');
  }
  if (record.invalidation) return accept([]);
  return accept([
    {
      type: 'AuthorizationInvalidated',
      data: {
        authorizationId: record.authorizationId,
        defect: command.defect,
        rule: DEFECT_RULES[command.defect],
        ...part2Notice(record),
        effectiveAt: when.at,
        recordedAt: context.now,
      },
    },
  ]);
}

/** H11: erasure (crypto-shredding, outside the domain) is refused inside the retention window. */
function decideErase(command: EraseSubject, state: SubjectState, context: DecideContext): Decided<SubjectEvent> {
  if (!state.exists || state.erasure) return accept([]);
  const settings = context.settings ?? DEFAULT_TENANT_SETTINGS;
  const hold = retentionHold(state, settings, context.now);
  if (hold.held) {
    return reject({
      code: 'RetentionHold',
      message: hold.retainedWhileInEffect
        ? 'an authorization is still in effect with no end; it is retained while in effect'
        : `authorizations are retained until ${hold.retainUntil}`,
      retainUntil: hold.retainUntil,
      retainedWhileInEffect: hold.retainedWhileInEffect,
      rule: RETENTION_RULE,
      ruleId: 'H11',
    });
  }
  return accept([
    {
      type: 'SubjectErased',
      data: {
        subjectId: state.subjectId ?? command.subjectId ?? '',
        retentionYears: settings.retentionYears,
        effectiveAt: context.now,
        recordedAt: context.now,
      },
    },
  ]);
}

function isLinked(state: SubjectState, contactKey: string): boolean {
  return linkedContacts(state).some((c) => c.contactKey === contactKey);
}

function decideLink(command: LinkContact, state: SubjectState, context: DecideContext): Decided<SubjectEvent> {
  if (!isOneOf(CONTACT_TYPES, command.contactType)) return invalid('contactType', 'unknown contact type');
  if (typeof command.value !== 'string' || contactKeyOf(command.value) !== command.contactKey) {
    return invalid('contactKey', 'the contact key is not the hash of the normalised value');
  }
  const effectiveAt = command.effectiveAt ?? context.now;
  if (!isInstant(effectiveAt)) return invalid('effectiveAt', 'not an instant with a zone');
  if (isLinked(state, command.contactKey)) return accept([]);
  return accept([
    {
      type: 'ContactPointLinked',
      data: { contactKey: command.contactKey, type: command.contactType, value: command.value, effectiveAt, recordedAt: context.now },
    },
  ]);
}

function decideUnlink(command: UnlinkContact, state: SubjectState, context: DecideContext): Decided<SubjectEvent> {
  const effectiveAt = command.effectiveAt ?? context.now;
  if (!isInstant(effectiveAt)) return invalid('effectiveAt', 'not an instant with a zone');
  const linked = linkedContacts(state).find((c) => c.contactKey === command.contactKey);
  if (!linked) {
    return reject({ code: 'ContactNotLinked', message: 'the contact point is not linked to this subject', contactKey: command.contactKey });
  }
  return accept([
    {
      type: 'ContactPointUnlinked',
      data: { contactKey: linked.contactKey, type: linked.type, effectiveAt, recordedAt: context.now },
    },
  ]);
}

function decideSubject(command: SubjectCommand, state: SubjectState, context: DecideContext): Decided<SubjectEvent> {
  if (!isInstant(context.now)) return invalid('context.now', 'not an instant with a zone');
  switch (command.type) {
    case 'GrantAuthorization':
      return decideGrant(command, state, context);
    case 'RevokeAuthorization':
      return decideRevoke(command, state, context);
    case 'ExpireAuthorization':
      return decideExpire(command, state, context);
    case 'RecordExpirationEvent':
      return decideExpirationEvent(command, state, context);
    case 'SetPreference':
      return decidePreference(command, state, context);
    case 'LinkContact':
      return decideLink(command, state, context);
    case 'UnlinkContact':
      return decideUnlink(command, state, context);
    case 'RecordCopyProvided':
      return decideCopy(command, state, context);
    case 'GiveEsignConsent':
      return decideGiveEsign(command, state, context);
    case 'WithdrawEsignConsent':
      return decideWithdrawEsign(command, state, context);
    case 'InvalidateAuthorization':
      return decideInvalidate(command, state, context);
    case 'EraseSubject':
      return decideErase(command, state, context);
    default:
      return invalid('type', 'unknown subject command');
  }
}

/** The subject stream's decider: authorizations, preferences and linked contact points. */
export const subjectDecider: Decider<SubjectCommand, SubjectEvent, SubjectState> & {
  initialState(ids?: { tenantId?: string; subjectId?: string }): SubjectState;
} = {
  initialState: initialSubjectState,
  evolve: evolveSubject,
  decide: decideSubject,
};
