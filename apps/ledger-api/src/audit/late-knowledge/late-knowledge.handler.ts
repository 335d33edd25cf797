import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import {
  CHANNELS, type Channel, contactDecider, type ContactState, contactStreamId, evaluate, fromWireEvent, type LedgerEvent,
  PURPOSES, type Purpose, subjectDecider, type SubjectState, subjectStreamId, tenantDecider, tenantStreamId,
} from '@app/domain';
import type { RecordedEvent } from '@app/event-store';
import { AccessLog, type AccessEntry } from '../access-log/access-log';
import { Problem } from '../../http/problem';
import { dataKeyOwner, LedgerStreams } from '../../ledger/ledger-streams';
import type { LateKnowledgeQuery } from './late-knowledge.request';

export class LateKnowledgeReportQuery {
  constructor(readonly tenantId: string, readonly query: LateKnowledgeQuery) {}
}

interface Scope { purpose: Purpose; channel: Channel }

export interface LateKnowledgeWindow {
  subjectId: string | null;
  contactKey: string | null;
  /** The late event: a revocation, opt-out, invalidation, expiry by event or bounce recorded after it took effect. */
  eventId: string;
  type: string;
  position: string;
  /** The window: from when the fact took effect until the ledger learned of it. */
  effectiveAt: string;
  recordedAt: string;
  /** Purpose and channel pairs the ledger allowed at the window's start as it knew then and denies with today's knowledge. */
  wouldDiffer: { purpose: Purpose; channel: Channel; then: 'ALLOW'; now: 'DENY'; reasons: string[] }[];
  /** Checks recorded in the access log inside the window for this subject or address: the decisions that would differ. */
  decisions: { accessId: string; at: string; action: string; route: string; underAuthorization: boolean | null }[];
}

export interface LateKnowledgeReport {
  from: string;
  to: string;
  evaluatedAt: string;
  source: 'events+access-log';
  windows: LateKnowledgeWindow[];
}

const PAGE = 5000;
const DECISION_ACTIONS = new Set(['eligibility-check']);

function expand(purpose: string, channel: string): Scope[] {
  const purposes = purpose === '*' ? [...PURPOSES] : [purpose as Purpose];
  const channels = channel === '*' ? [...CHANNELS] : [channel as Channel];
  return purposes.flatMap((p) => channels.map((c) => ({ purpose: p, channel: c })));
}

/**
 * "Which answers would differ with today's knowledge?" (compliance.md, Two kinds of time). Every fact that can turn an
 * ALLOW into a DENY and was recorded after it took effect opens a window [effectiveAt, recordedAt): checks made in it
 * were answered without it. The windows come from the events themselves (a scan of the tenant's log); each is confirmed
 * with the one `evaluate` (as known at its start vs as known now) and matched with the access log's recorded checks.
 */
@QueryHandler(LateKnowledgeReportQuery)
export class LateKnowledgeHandler implements IQueryHandler<LateKnowledgeReportQuery, LateKnowledgeReport> {
  constructor(private readonly streams: LedgerStreams, private readonly accessLog: AccessLog) {}

  async execute({ tenantId, query }: LateKnowledgeReportQuery): Promise<LateKnowledgeReport> {
    const now = this.streams.now().toISOString();
    const from = query.from ? new Date(query.from).toISOString() : new Date(0).toISOString();
    const to = query.to ? new Date(query.to).toISOString() : now;
    if (Date.parse(from) >= Date.parse(to)) throw Problem.badRequest('from must be before to.', [{ field: 'from', message: 'must be before to' }]);

    const late: { recorded: RecordedEvent; event: LedgerEvent }[] = [];
    const grants = new Map<string, Scope[]>(); // subject stream + authorizationId -> purposes x channels
    const links = new Map<string, Set<string>>(); // contactKey -> subjects ever linked
    for (let after = 0n; ;) {
      const page = await this.streams.store.readAll({ fromPosition: after, maxCount: PAGE });
      for (const recorded of page) {
        if (recorded.metadata.tenantId !== tenantId) continue;
        const event = fromWireEvent(recorded.type, recorded.metadata.schemaVersion, recorded.data) as LedgerEvent;
        const owner = dataKeyOwner(tenantId, recorded.streamId);
        if (event.type === 'AuthorizationGranted') {
          grants.set(`${recorded.streamId}|${event.data.authorizationId}`, event.data.purposes.flatMap((p) => event.data.channels.map((c) => ({ purpose: p, channel: c }))));
        }
        if (event.type === 'ContactPointLinked' && owner?.kind === 'subject') {
          links.set(event.data.contactKey, (links.get(event.data.contactKey) ?? new Set()).add(owner.subjectId));
        }
        const { effectiveAt, recordedAt } = event.data as { effectiveAt: string; recordedAt: string };
        if (Date.parse(recordedAt) <= Date.parse(effectiveAt)) continue;
        if (Date.parse(effectiveAt) >= Date.parse(to) || Date.parse(recordedAt) <= Date.parse(from)) continue;
        late.push({ recorded, event });
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1].position;
    }

    const tenant = (await this.streams.load(tenantDecider, tenantStreamId(tenantId))).state;
    const subjects = new Map<string, SubjectState>();
    const contacts = new Map<string, ContactState>();
    const subjectState = async (id: string) => subjects.get(id)
      ?? subjects.set(id, (await this.streams.load(subjectDecider, subjectStreamId(tenantId, id))).state).get(id)!;
    const contactState = async (key: string) => contacts.get(key)
      ?? contacts.set(key, (await this.streams.load(contactDecider, contactStreamId(tenantId, key))).state).get(key)!;

    const windows: LateKnowledgeWindow[] = [];
    for (const { recorded, event } of late) {
      const owner = dataKeyOwner(tenantId, recorded.streamId);
      if (!owner) continue;
      const scope = lateScope(event, grants.get(`${recorded.streamId}|${(event.data as { authorizationId?: string }).authorizationId}`));
      if (scope === null) continue;
      const { effectiveAt, recordedAt } = event.data as { effectiveAt: string; recordedAt: string };
      const targets: { subjectId: string | null; contactKey: string | null }[] = owner.kind === 'subject'
        ? [{ subjectId: owner.subjectId, contactKey: null }]
        : [...(links.get(owner.contactKey) ?? [])].map((s) => ({ subjectId: s, contactKey: owner.contactKey }));
      if (owner.kind === 'contact' && targets.length === 0) targets.push({ subjectId: null, contactKey: owner.contactKey });
      for (const target of targets) {
        const subject = target.subjectId ? await subjectState(target.subjectId) : undefined;
        const reached = target.contactKey ? [await contactState(target.contactKey)] : [];
        const linkedContacts = subject ? await Promise.all([...new Set(subject.contacts.map((c) => c.contactKey))].map(contactState)) : [];
        const wouldDiffer: LateKnowledgeWindow['wouldDiffer'] = [];
        for (const { purpose, channel } of scope) {
          const request = { channel, purpose, contactKey: target.contactKey ?? undefined };
          const states = target.contactKey ? reached : linkedContacts;
          const then = evaluate(subject, states, request, effectiveAt, effectiveAt, tenant);
          const today = evaluate(subject, states, request, effectiveAt, now, tenant);
          if (then.decision === 'ALLOW' && today.decision === 'DENY') {
            wouldDiffer.push({ purpose, channel, then: 'ALLOW', now: 'DENY', reasons: today.reasons.map((r) => r.code) });
          }
        }
        const decisions = await this.decisionsIn(tenantId, target, maxInstant(effectiveAt, from), minInstant(recordedAt, to));
        if (wouldDiffer.length === 0 && decisions.length === 0) continue;
        windows.push({
          ...target,
          eventId: recorded.id,
          type: event.type,
          position: recorded.position.toString(),
          effectiveAt,
          recordedAt,
          wouldDiffer,
          decisions,
        });
      }
    }
    return { from, to, evaluatedAt: now, source: 'events+access-log', windows };
  }

  /** The access log's checks of this subject (or address) made inside [start, end). */
  private async decisionsIn(tenantId: string, target: { subjectId: string | null; contactKey: string | null }, start: string, end: string) {
    const found: LateKnowledgeWindow['decisions'] = [];
    const filters = [
      ...(target.subjectId ? [{ subjectId: target.subjectId }] : []),
      ...(target.contactKey ? [{ contactKey: target.contactKey }] : []),
    ];
    const seen = new Set<string>();
    for (const filter of filters) {
      for (let after: string | undefined; ;) {
        const entries: AccessEntry[] = await this.accessLog.query(tenantId, { ...filter, after, limit: 1000 });
        for (const e of entries) {
          if (!DECISION_ACTIONS.has(e.action) || seen.has(e.id)) continue;
          if (Date.parse(e.at) < Date.parse(start) || Date.parse(e.at) >= Date.parse(end)) continue;
          seen.add(e.id);
          found.push({ accessId: e.id, at: e.at, action: e.action, route: e.route, underAuthorization: e.underAuthorization });
        }
        if (entries.length < 1000) break;
        after = entries[entries.length - 1].seq;
      }
    }
    return found.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  }
}

/** What a late fact can newly deny; null for facts that deny nothing (grants, opt-ins, copies, ...). */
function lateScope(event: LedgerEvent, authorization: Scope[] | undefined): Scope[] | null {
  switch (event.type) {
    case 'AuthorizationRevoked':
    case 'AuthorizationRevocationRequested':
    case 'AuthorizationInvalidated':
      return authorization ?? [];
    case 'AuthorizationExpired':
      return event.data.reason === 'event' ? authorization ?? [] : null;
    case 'PreferenceSet':
      return event.data.choice === 'opt-out' ? expand(event.data.purpose, event.data.channel) : null;
    case 'ContactOptedOut':
      return expand(event.data.purpose, event.data.channel);
    case 'ContactUndeliverable':
      return expand('*', '*');
    default:
      return null;
  }
}

const maxInstant = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);
const minInstant = (a: string, b: string) => (Date.parse(a) <= Date.parse(b) ? a : b);
