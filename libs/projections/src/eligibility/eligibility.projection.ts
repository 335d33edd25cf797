import {
  contactChoices, contactDecider, contactStreamId, type ContactState, type ContactView, fromWireEvent, linkedContacts, optOutsInForce,
  type RecordedRef, subjectDecider, subjectStreamId, type SubjectState, type SubjectView, subjectView, tenantDecider, type TenantState,
  undeliverableFacts, contactView,
} from '@app/domain';
import type { RecordedEvent } from '@app/event-store';
import type { Queryable } from '@app/platform/database';
import type { Projection, TableNames } from '../projection';
import { DECISIONS_SQL, upsertDecisions } from './decisions';

/**
 * The question "may we send this?" is answered by the domain's own `evaluate` over the folded states of the subject,
 * its contact points and its tenant: this projection keeps those states (one row per stream, folded further by each
 * batch), the policy's views of them that the checks and the scrub read (`rm_subject_views`, `rm_contact_views`: only
 * what `evaluate` reads, about half the bytes and none of the signer's data), plus the views other systems read —
 * current links, contact suppressions and subject opt-outs — derived from the same states.
 */
export const ELIGIBILITY_TABLES = [
  'rm_subject_states', 'rm_contact_states', 'rm_tenant_states', 'rm_contact_links', 'rm_contact_suppressions', 'rm_subject_opt_outs',
  'rm_subject_views', 'rm_contact_views', 'rm_decisions', 'rm_answer_profiles',
] as const;

type Kind = 'subject' | 'contact' | 'tenant';
type AnyState = SubjectState | ContactState | TenantState;

interface StreamState {
  kind: Kind; tenantId: string; key: string; state: AnyState; position: bigint; lastRecordedAt: string;
  /** A subject's current links once worked out (linksOf): the policy view and the links table both need them. */
  linked?: ReturnType<typeof linkedContacts>;
  /** The policy view once worked out (viewOf): the views table and the precomputed answers both need it. */
  view?: SubjectView | ContactView;
}

/** A changed subject's or contact point's policy view, worked out once per batch. */
function viewOf(entry: StreamState): SubjectView | ContactView | undefined {
  if (entry.kind === 'tenant') return undefined;
  return (entry.view ??= entry.kind === 'subject' ? subjectView(entry.state as SubjectState) : contactView(entry.state as ContactState));
}

/** A changed subject's current links, worked out once per batch. */
function linksOf(entry: StreamState): ReturnType<typeof linkedContacts> {
  return (entry.linked ??= linkedContacts(entry.state as SubjectState));
}

export function streamKind(streamId: string): Kind | undefined {
  if (streamId.startsWith('subject-')) return 'subject';
  if (streamId.startsWith('contact-')) return 'contact';
  if (streamId.startsWith('tenant-')) return 'tenant';
  return undefined;
}

/** The subject id or contact key of a stream, given its tenant (tenant segments may be escaped). */
function keyOf(kind: Kind, tenantId: string, streamId: string): string {
  if (kind === 'tenant') return tenantId;
  const prefix = kind === 'subject' ? subjectStreamId(tenantId, '') : contactStreamId(tenantId, '');
  return streamId.slice(prefix.length);
}

const deciders = { subject: subjectDecider, contact: contactDecider, tenant: tenantDecider } as const;

function initial(kind: Kind, tenantId: string, key: string): AnyState {
  if (kind === 'subject') return subjectDecider.initialState({ tenantId, subjectId: key });
  if (kind === 'contact') return contactDecider.initialState({ tenantId, contactKey: key });
  return tenantDecider.initialState({ tenantId });
}

export const eligibilityProjection: Projection = {
  name: 'eligibility',
  /**
   * 2: the policy views (rm_subject_views, rm_contact_views). 3: the precomputed answers (rm_decisions,
   * rm_answer_profiles). Each upgrade replays the log into fresh tables.
   */
  version: 3,
  tables: ELIGIBILITY_TABLES,

  createSql: (t: TableNames) => `
    CREATE TABLE IF NOT EXISTS ${t.rm_subject_states} (
      stream_id text PRIMARY KEY, tenant_id text NOT NULL, subject_id text NOT NULL, state jsonb NOT NULL, position bigint NOT NULL);
    CREATE TABLE IF NOT EXISTS ${t.rm_contact_states} (
      stream_id text PRIMARY KEY, tenant_id text NOT NULL, contact_key text NOT NULL, state jsonb NOT NULL, position bigint NOT NULL);
    CREATE UNIQUE INDEX ON ${t.rm_contact_states} (tenant_id, contact_key);
    CREATE TABLE IF NOT EXISTS ${t.rm_tenant_states} (
      stream_id text PRIMARY KEY, tenant_id text NOT NULL, state jsonb NOT NULL, position bigint NOT NULL);
    CREATE TABLE IF NOT EXISTS ${t.rm_contact_links} (
      tenant_id text NOT NULL, subject_id text NOT NULL, contact_key text NOT NULL, contact_type text NOT NULL,
      PRIMARY KEY (tenant_id, subject_id, contact_key));
    CREATE INDEX ON ${t.rm_contact_links} (tenant_id, contact_key);
    CREATE TABLE IF NOT EXISTS ${t.rm_contact_suppressions} (
      tenant_id text NOT NULL, contact_key text NOT NULL, contact_type text, kind text NOT NULL,
      purpose text NOT NULL, channel text NOT NULL, since timestamptz NOT NULL, source text NOT NULL, position bigint NOT NULL,
      PRIMARY KEY (tenant_id, contact_key, kind, purpose, channel));
    CREATE TABLE IF NOT EXISTS ${t.rm_subject_opt_outs} (
      tenant_id text NOT NULL, subject_id text NOT NULL, purpose text NOT NULL, channel text NOT NULL,
      since timestamptz NOT NULL, source text NOT NULL, position bigint NOT NULL,
      PRIMARY KEY (tenant_id, subject_id, purpose, channel));
    CREATE TABLE IF NOT EXISTS ${t.rm_subject_views} (
      stream_id text PRIMARY KEY, view text NOT NULL, linked text[] NOT NULL);
    CREATE TABLE IF NOT EXISTS ${t.rm_contact_views} (
      tenant_id text NOT NULL, contact_key text NOT NULL, view text NOT NULL, PRIMARY KEY (tenant_id, contact_key));
    ${DECISIONS_SQL(t)}`,

  async apply(tx: Queryable, events: readonly RecordedEvent[], t: TableNames): Promise<void> {
    const touched = new Map<string, StreamState>();
    const relevant = events.filter((e) => streamKind(e.streamId) !== undefined);
    if (relevant.length === 0) return;
    const ids = [...new Set(relevant.map((e) => e.streamId))];
    const existing = await tx.query<{ stream_id: string; tenant_id: string; key: string; state: AnyState; position: string; kind: Kind }>(
      `SELECT stream_id, tenant_id, subject_id AS key, state, position, 'subject' AS kind FROM ${t.rm_subject_states} WHERE stream_id = ANY($1::text[])
       UNION ALL SELECT stream_id, tenant_id, contact_key, state, position, 'contact' FROM ${t.rm_contact_states} WHERE stream_id = ANY($1::text[])
       UNION ALL SELECT stream_id, tenant_id, tenant_id, state, position, 'tenant' FROM ${t.rm_tenant_states} WHERE stream_id = ANY($1::text[])`,
      [ids],
    );
    for (const row of existing) {
      touched.set(row.stream_id, { kind: row.kind, tenantId: row.tenant_id, key: row.key, state: row.state, position: BigInt(row.position), lastRecordedAt: '' });
    }
    for (const recorded of relevant) {
      const kind = streamKind(recorded.streamId)!;
      let entry = touched.get(recorded.streamId);
      if (!entry) {
        const key = keyOf(kind, recorded.metadata.tenantId, recorded.streamId);
        entry = { kind, tenantId: recorded.metadata.tenantId, key, state: initial(kind, recorded.metadata.tenantId, key), position: 0n, lastRecordedAt: '' };
        touched.set(recorded.streamId, entry);
      }
      if (recorded.position <= entry.position) continue; // already applied: exactly once even if a batch is replayed
      const event = fromWireEvent(recorded.type, recorded.metadata.schemaVersion, recorded.data);
      const ref: RecordedRef = { id: recorded.id, position: recorded.position.toString() };
      entry.state = (deciders[kind].evolve as (s: AnyState, e: unknown, r: RecordedRef) => AnyState)(entry.state, event, ref);
      entry.position = recorded.position;
      entry.lastRecordedAt = recorded.metadata.recordedAt;
    }
    const changed = [...touched.entries()].filter(([, e]) => e.lastRecordedAt !== '');
    await upsertStates(tx, t, changed);
    await upsertPolicyViews(tx, t, changed);
    await deriveViews(tx, t, changed);
    await upsertDecisions(tx, t, changed.map(([id, e]) => ({
      streamId: id, kind: e.kind, tenantId: e.tenantId, key: e.key, view: viewOf(e), linked: e.kind === 'subject' ? linksOf(e) : undefined,
    })));
  },
};

async function upsertStates(tx: Queryable, t: TableNames, changed: [string, StreamState][]): Promise<void> {
  for (const kind of ['subject', 'contact', 'tenant'] as const) {
    const rows = changed.filter(([, e]) => e.kind === kind);
    if (rows.length === 0) continue;
    const params = [rows.map(([id]) => id), rows.map(([, e]) => e.tenantId), rows.map(([, e]) => e.key),
      rows.map(([, e]) => JSON.stringify(e.state)), rows.map(([, e]) => e.position.toString())];
    if (kind === 'tenant') {
      await tx.query(
        `INSERT INTO ${t.rm_tenant_states} (stream_id, tenant_id, state, position)
         SELECT s, tn, st::jsonb, p::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(s, tn, st, p)
         ON CONFLICT (stream_id) DO UPDATE SET state = EXCLUDED.state, position = EXCLUDED.position`,
        [params[0], params[1], params[3], params[4]],
      );
      continue;
    }
    const table = kind === 'subject' ? t.rm_subject_states : t.rm_contact_states;
    const keyColumn = kind === 'subject' ? 'subject_id' : 'contact_key';
    await tx.query(
      `INSERT INTO ${table} (stream_id, tenant_id, ${keyColumn}, state, position)
       SELECT s, tn, k, st::jsonb, p::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(s, tn, k, st, p)
       ON CONFLICT (stream_id) DO UPDATE SET state = EXCLUDED.state, position = EXCLUDED.position`,
      params,
    );
  }
}

/**
 * What `evaluate` reads of each changed subject and contact point (libs/domain `subjectView`, `contactView`), as JSON
 * text: nothing queries inside a view, and text is about a fifth smaller than jsonb for these shapes and is sent back
 * as it is stored (a batch of 1,000 hot lookups: 10 ms as jsonb, 7.3 ms as text, 1,000,000 subjects).
 */
async function upsertPolicyViews(tx: Queryable, t: TableNames, changed: [string, StreamState][]): Promise<void> {
  const subjects = changed.filter(([, e]) => e.kind === 'subject');
  if (subjects.length > 0) {
    await tx.query(
      `INSERT INTO ${t.rm_subject_views} (stream_id, view, linked)
       SELECT s, v, ARRAY(SELECT jsonb_array_elements_text(l::jsonb)) FROM unnest($1::text[], $2::text[], $3::text[]) AS u(s, v, l)
       ON CONFLICT (stream_id) DO UPDATE SET view = EXCLUDED.view, linked = EXCLUDED.linked`,
      [subjects.map(([id]) => id), subjects.map(([, e]) => JSON.stringify(viewOf(e))),
        subjects.map(([, e]) => JSON.stringify(linksOf(e).map((c) => c.contactKey)))],
    );
  }
  const contacts = changed.filter(([, e]) => e.kind === 'contact');
  if (contacts.length > 0) {
    await tx.query(
      `INSERT INTO ${t.rm_contact_views} (tenant_id, contact_key, view)
       SELECT tn, k, v FROM unnest($1::text[], $2::text[], $3::text[]) AS u(tn, k, v)
       ON CONFLICT (tenant_id, contact_key) DO UPDATE SET view = EXCLUDED.view`,
      [contacts.map(([, e]) => e.tenantId), contacts.map(([, e]) => e.key), contacts.map(([, e]) => JSON.stringify(viewOf(e)))],
    );
  }
}

/** The views derived from the states: what is true now, as the ledger knows it at the last event applied. */
async function deriveViews(tx: Queryable, t: TableNames, changed: [string, StreamState][]): Promise<void> {
  const subjects = changed.filter(([, e]) => e.kind === 'subject').map(([, e]) => e);
  const contacts = changed.filter(([, e]) => e.kind === 'contact').map(([, e]) => e);
  if (subjects.length > 0) {
    const tenants = subjects.map((e) => e.tenantId);
    const keys = subjects.map((e) => e.key);
    await tx.query(`DELETE FROM ${t.rm_contact_links} WHERE (tenant_id, subject_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, [tenants, keys]);
    await tx.query(`DELETE FROM ${t.rm_subject_opt_outs} WHERE (tenant_id, subject_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, [tenants, keys]);
    const links = subjects.flatMap((e) => linksOf(e).map((c) => [e.tenantId, e.key, c.contactKey, c.type]));
    if (links.length > 0) {
      await tx.query(
        `INSERT INTO ${t.rm_contact_links} (tenant_id, subject_id, contact_key, contact_type) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`,
        columns(links, 4),
      );
    }
    const optOuts = subjects.flatMap((e) => subjectOptOuts(e.state as SubjectState, e.lastRecordedAt)
      .map((p) => [e.tenantId, e.key, p.purpose, p.channel, p.since, p.source, e.position.toString()]));
    if (optOuts.length > 0) {
      await tx.query(
        `INSERT INTO ${t.rm_subject_opt_outs} (tenant_id, subject_id, purpose, channel, since, source, position)
         SELECT a, b, c, d, e::timestamptz, f, g::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(a, b, c, d, e, f, g)`,
        columns(optOuts, 7),
      );
    }
  }
  if (contacts.length > 0) {
    await tx.query(
      `DELETE FROM ${t.rm_contact_suppressions} WHERE (tenant_id, contact_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [contacts.map((e) => e.tenantId), contacts.map((e) => e.key)],
    );
    const rows = contacts.flatMap((e) => contactSuppressions(e.state as ContactState, e.lastRecordedAt)
      .map((f) => [e.tenantId, e.key, (e.state as ContactState).type, f.kind, f.purpose, f.channel, f.since, f.source, e.position.toString()]));
    if (rows.length > 0) {
      await tx.query(
        `INSERT INTO ${t.rm_contact_suppressions} (tenant_id, contact_key, contact_type, kind, purpose, channel, since, source, position)
         SELECT a, b, c, d, e, f, g::timestamptz, h, i::bigint
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(a, b, c, d, e, f, g, h, i)
         ON CONFLICT DO NOTHING`,
        columns(rows, 9),
      );
    }
  }
}

/** A suppression in force: what is suppressed, for which purpose and channel ('*' for all), since when, why. */
export interface Suppression { kind: 'opt-out' | 'undeliverable'; purpose: string; channel: string; since: string; source: string }

/** The suppressions of an address in force at `now` (C7 ordering, a bounce for every purpose), from its folded state. */
export function contactSuppressions(state: ContactState, now: string): Suppression[] {
  const optedOut = optOutsInForce(contactChoices(state), () => true, now, now)
    .map((f): Suppression => ({ kind: 'opt-out', purpose: f.purpose, channel: f.channel, since: f.effectiveAt, source: f.source }));
  const undeliverable = undeliverableFacts(state, now, now).slice(0, 1)
    .map((f): Suppression => ({ kind: 'undeliverable', purpose: '*', channel: '*', since: f.effectiveAt, source: f.source }));
  return [...optedOut, ...undeliverable];
}

/** A subject's own opt-outs in force at `now`, from its folded state. */
export function subjectOptOuts(state: SubjectState, now: string): Suppression[] {
  return optOutsInForce(state.preferences, () => true, now, now)
    .map((p): Suppression => ({ kind: 'opt-out', purpose: p.purpose, channel: p.channel, since: p.effectiveAt, source: p.source }));
}

function columns(rows: unknown[][], width: number): unknown[][] {
  return Array.from({ length: width }, (_, i) => rows.map((r) => r[i]));
}
