import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import {
  authorizationStatusAt, type AuthorizationRecord, type PreferenceFact, subjectDecider, subjectStreamId,
} from '@app/domain';
import type { OpenedPayload } from '@app/security';
import { Problem } from '../../http/problem';
import { LedgerStreams } from '../../ledger/ledger-streams';
import { ReadPosition, type ReadOptions } from '../../ledger/read-position';

export class SubjectViewQuery {
  constructor(readonly tenantId: string, readonly subjectId: string, readonly options: ReadOptions) {}
}

export interface SubjectView {
  subjectId: string;
  authorizations: object[];
  preferences: object[];
  contacts: { contactKey: string; type: string }[];
  position: string;
  asOf: string;
  knownAt: string;
  /** H11: the subject's personal data was erased (as known at knownAt). */
  erased?: true;
  erasedAt?: string;
}

const known = (fact: { recordedAt: string; effectiveAt: string }, asOf: string, knownAt: string) =>
  Date.parse(fact.recordedAt) <= Date.parse(knownAt) && Date.parse(fact.effectiveAt) <= Date.parse(asOf);

/** The subject's current consent, folded from its stream; as of an effective time and as known at a ledger time. */
@QueryHandler(SubjectViewQuery)
export class SubjectViewHandler implements IQueryHandler<SubjectViewQuery, SubjectView> {
  constructor(private readonly streams: LedgerStreams, private readonly read: ReadPosition) {}

  async execute({ tenantId, subjectId, options }: SubjectViewQuery): Promise<SubjectView> {
    const { asOf, knownAt } = await this.read.prepare(options);
    const { state, events } = await this.streams.load(subjectDecider, subjectStreamId(tenantId, subjectId));
    const visible = events.filter((e) => Date.parse(e.metadata.recordedAt) <= Date.parse(knownAt));
    if (visible.length === 0) throw Problem.notFound('No such subject.');
    const statements = await this.streams.personalData.open(tenantId, state.authorizations.map((record) => ({
      data: { remuneration: { statement: record.remuneration.statement } },
      paths: ['remuneration.statement'],
    })));
    const latestContact = new Map<string, { contactKey: string; type: string; action: string }>();
    for (const fact of state.contacts) if (known(fact, asOf, knownAt)) latestContact.set(fact.contactKey, fact);
    return {
      subjectId,
      authorizations: state.authorizations
        .map((record, i) => ({ record, statement: statements[i] }))
        .filter(({ record }) => Date.parse(record.recordedAt) <= Date.parse(knownAt))
        .map(({ record, statement }) => authorizationView(record, asOf, knownAt, statement)),
      preferences: state.preferences.filter((p) => known(p, asOf, knownAt)).map(preferenceView),
      contacts: [...latestContact.values()].filter((c) => c.action === 'linked').map(({ contactKey, type }) => ({ contactKey, type })),
      position: visible[visible.length - 1].position.toString(),
      asOf,
      knownAt,
      ...(state.erasure && Date.parse(state.erasure.recordedAt) <= Date.parse(knownAt)
        ? { erased: true as const, erasedAt: state.erasure.effectiveAt } : {}),
    };
  }
}

/** Personal fields are decrypted on the way out; an erased one is null and the authorization says `erased: true`. */
function authorizationView(record: AuthorizationRecord, asOf: string, knownAt: string, statement: OpenedPayload): object {
  const ended = <F extends { recordedAt: string }>(fact: F | null): F | null => (fact && Date.parse(fact.recordedAt) <= Date.parse(knownAt) ? fact : null);
  const revocation = ended(record.revocation);
  const request = ended(record.revocationRequest);
  const expiry = ended(record.expiry);
  return {
    authorizationId: record.authorizationId,
    status: authorizationStatusAt(record, asOf, knownAt),
    formId: record.formId,
    formVersion: record.formVersion,
    purposes: record.purposes,
    channels: record.channels,
    signedAt: record.signature.signedAt,
    signerRole: record.signature.signerRole,
    expiresAt: record.expiresAt,
    expiresOn: record.expiresOn,
    expirationEvent: record.expirationEvent,
    remuneration: {
      involved: record.remuneration.involved,
      statement: (statement.data.remuneration as { statement: string | null }).statement,
    },
    ...(statement.erasedFields.length > 0 ? { erased: true } : {}),
    documentSha256: record.documentSha256 ?? null,
    revokedAt: revocation?.effectiveAt ?? null,
    revocationRequestedAt: request?.effectiveAt ?? null,
    expiredAt: expiry?.effectiveAt ?? null,
    recordedAt: record.recordedAt,
  };
}

function preferenceView(fact: PreferenceFact): object {
  return { purpose: fact.purpose, channel: fact.channel, choice: fact.choice, source: fact.source, effectiveAt: fact.effectiveAt, recordedAt: fact.recordedAt };
}
