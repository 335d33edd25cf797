import type { ContactState } from '../contact';
import type { Evidence, SignatureRecord } from '../events';
import type { Part2Terms } from '../part2';
import type { AuthorizationRecord, ContactLinkFact, Fact, PreferenceFact, SubjectState } from '../subject';

/**
 * What `evaluate` reads of a subject and of its contact points, and nothing else: the eligibility read model stores
 * these views (a few hundred bytes) beside the full folded states (which the projector keeps folding), so that the hot
 * read path carries neither the authorization's texts nor the signer's name and attribution.
 *
 * `evaluate` and the helpers it calls are typed on these views, so the compiler refuses a rule that reads a field the
 * view leaves out; a full state is a view as it is (structural typing), which is how the audit path, folding streams,
 * calls the same `evaluate`. The property suite checks that `evaluate` answers alike on a state and on its view.
 */

/** A fact whose only use is to say the ledger knew something by then. */
export type RecordedView = Pick<Fact, 'recordedAt'>;

/** A fact as the policy reads it: its two times and the id of the event it rests on (cited as evidence). */
export interface FactView {
  effectiveAt: string;
  recordedAt: string;
  evidence: Pick<Evidence, 'eventId'> | null;
}

export interface AuthorizationView
  extends FactView, Pick<AuthorizationRecord, 'authorizationId' | 'formId' | 'purposes' | 'channels' | 'expiresAt' | 'remuneration'> {
  signature: Pick<SignatureRecord, 'signedAt'>;
  part2?: Pick<Part2Terms, 'tpo'> | null;
  revocation: FactView | null;
  revocationRequest: FactView | null;
  expiry: FactView | null;
  invalidation: FactView | null;
  copies: readonly RecordedView[];
}

export type PreferenceView = FactView & Pick<PreferenceFact, 'purpose' | 'channel' | 'choice'>;

export type ContactLinkView = RecordedView & Pick<ContactLinkFact, 'action' | 'contactKey' | 'type'>;

export interface SubjectView {
  exists: boolean;
  authorizations: readonly AuthorizationView[];
  preferences: readonly PreferenceView[];
  /** Links and unlinks in stream order (the contact points a check considers). */
  contacts: readonly ContactLinkView[];
  esignConsents: readonly RecordedView[];
}

export type ContactFactView = FactView &
  (
    | { kind: 'opted-out'; purpose: PreferenceFact['purpose']; channel: PreferenceFact['channel'] }
    | { kind: 'opted-in'; purpose: PreferenceFact['purpose']; channel: PreferenceFact['channel'] }
    | { kind: 'undeliverable' }
  );

export interface ContactView {
  type: ContactState['type'];
  history: readonly ContactFactView[];
}

const factView = (f: Fact): FactView => ({
  effectiveAt: f.effectiveAt,
  recordedAt: f.recordedAt,
  evidence: f.evidence ? { eventId: f.evidence.eventId } : null,
});
const orNull = (f: Fact | null): FactView | null => (f ? factView(f) : null);
const recorded = (f: Fact): RecordedView => ({ recordedAt: f.recordedAt });

function authorizationView(a: AuthorizationRecord): AuthorizationView {
  return {
    ...factView(a),
    authorizationId: a.authorizationId,
    formId: a.formId,
    purposes: a.purposes,
    channels: a.channels,
    expiresAt: a.expiresAt,
    remuneration: { involved: a.remuneration.involved, statement: a.remuneration.statement },
    signature: { signedAt: a.signature.signedAt },
    part2: a.part2 ? { tpo: a.part2.tpo } : null,
    revocation: orNull(a.revocation),
    revocationRequest: orNull(a.revocationRequest),
    expiry: orNull(a.expiry),
    invalidation: orNull(a.invalidation),
    copies: a.copies.map(recorded),
  };
}

/** The subject's view: what `evaluate` and the choice of contact points read. */
export function subjectView(state: SubjectState): SubjectView {
  return {
    exists: state.exists,
    authorizations: state.authorizations.map(authorizationView),
    preferences: state.preferences.map((p) => ({ ...factView(p), purpose: p.purpose, channel: p.channel, choice: p.choice })),
    contacts: state.contacts.map((c) => ({ recordedAt: c.recordedAt, action: c.action, contactKey: c.contactKey, type: c.type })),
    esignConsents: state.esignConsents.map(recorded),
  };
}

/** A contact point's view: its type, and its opt-outs, opt-ins and bounces. */
export function contactView(state: ContactState): ContactView {
  return {
    type: state.type,
    history: state.history.map((f): ContactFactView =>
      f.kind === 'undeliverable'
        ? { ...factView(f), kind: f.kind }
        : { ...factView(f), kind: f.kind, purpose: f.purpose, channel: f.channel }),
  };
}
