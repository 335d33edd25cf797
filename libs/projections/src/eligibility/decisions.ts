import { createHash } from 'node:crypto';
import { contactStreamId, type ContactView, linkedContacts, type PrecomputedAnswers, precomputeAnswers, subjectStreamId, type SubjectView } from '@app/domain';
import type { Queryable } from '@app/platform/database';
import type { TableNames } from '../projection';

/**
 * The precomputed answers the scrub reads (libs/domain `precomputeAnswers`), in two tables:
 * - `rm_answer_profiles`: each distinct set of answers (one character per question pointing at one of the distinct
 *   answers), once. Most subjects share one of a few: the same grants and choices give the same answers.
 * - `rm_decisions`: per subject and per contact point, its profile, the interval its answers hold for, and for a
 *   subject its one linked address and phone (`sole_*`: the key's 32 bytes, empty for none, null for several).
 * A row is about 100 bytes, against 440 with the answers inline: the scrub reads one per line, at random, through a
 * hash index on the stream id (a third of the pages a B-tree descent touches; the primary key stays for the upsert).
 */
export const DECISIONS_SQL = (t: TableNames) => `
    CREATE TABLE IF NOT EXISTS ${t.rm_answer_profiles} (id bigint PRIMARY KEY, idx text NOT NULL, answers text[] NOT NULL);
    CREATE TABLE IF NOT EXISTS ${t.rm_decisions} (
      stream_id text PRIMARY KEY, profile bigint NOT NULL, valid_from timestamptz NOT NULL, valid_until timestamptz,
      sole_email bytea, sole_phone bytea);
    CREATE INDEX ON ${t.rm_decisions} USING hash (stream_id);
    CREATE INDEX ON ${t.rm_decisions} (profile);`;

/**
 * A profile's id: the first 8 bytes of the SHA-256 of its content, so that the same answers get the same id in any
 * order of events (a rebuild writes the same rows). Writing checks that an id already stored has the same content.
 */
export function answerProfileId(answers: Pick<PrecomputedAnswers, 'index' | 'answers'>): string {
  return createHash('sha256').update(`${answers.index}\n${answers.answers.join('\n')}`).digest().readBigInt64BE(0).toString();
}

/** A changed stream as upsertDecisions needs it: its kind, ids, policy view and (a subject's) current links. */
export interface ChangedView {
  streamId: string; kind: 'subject' | 'contact' | 'tenant'; tenantId: string; key: string; view?: SubjectView | ContactView;
  linked?: readonly Link[];
}

type Link = ReturnType<typeof linkedContacts>[number];

/**
 * The precomputed answers of every subject and contact point whose answers this batch may change: the changed ones,
 * and the subjects linked to a changed contact point (their answers consider it). A scrub line giving a subject's
 * `sole_*` address, or one the subject lacks and the ledger does not know, makes `evaluate` consider the same contact
 * points as a line giving none (EligibilityReadModel.answers). Runs after the views and links are written, so the
 * rows read here are current.
 */
export async function upsertDecisions(tx: Queryable, t: TableNames, changed: readonly ChangedView[]): Promise<void> {
  if (!changed.some((c) => c.kind !== 'tenant')) return;
  // A subject's answers derive from its stream and its linked contact points' streams, which partitioned projectors
  // (PartitionedProjector) apply in separate transactions. One transaction at a time works answers out, from what the
  // ones before it committed and its own changes: whichever commits last for a subject wrote its answers from both.
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [t.rm_decisions]);
  const subjects = new Map<string, { tenantId: string; view: SubjectView; linked: readonly Link[] }>();
  const contacts = new Map<string, ContactView>();
  const tenantKey = (tenantId: string, key: string) => `${tenantId}\n${key}`;
  const changedContacts = changed.filter((c) => c.kind === 'contact');
  for (const c of changed) {
    if (c.kind === 'subject') subjects.set(c.streamId, { tenantId: c.tenantId, view: c.view as SubjectView, linked: c.linked ?? linkedContacts(c.view as SubjectView) });
    else if (c.kind === 'contact') contacts.set(tenantKey(c.tenantId, c.key), c.view as ContactView);
  }
  if (changedContacts.length > 0) {
    const links = await tx.query<{ tenant_id: string; subject_id: string }>(
      `SELECT DISTINCT tenant_id, subject_id FROM ${t.rm_contact_links} WHERE (tenant_id, contact_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [changedContacts.map((c) => c.tenantId), changedContacts.map((c) => c.key)],
    );
    const others = new Map(links.map((l) => [subjectStreamId(l.tenant_id, l.subject_id), l.tenant_id] as const).filter(([id]) => !subjects.has(id)));
    if (others.size > 0) {
      const rows = await tx.query<{ stream_id: string; view: string }>(`SELECT stream_id, view FROM ${t.rm_subject_views} WHERE stream_id = ANY($1::text[])`, [[...others.keys()]]);
      for (const row of rows) {
        const view = JSON.parse(row.view) as SubjectView;
        subjects.set(row.stream_id, { tenantId: others.get(row.stream_id)!, view, linked: linkedContacts(view) });
      }
    }
  }
  const missing = [...subjects.values()].flatMap(({ tenantId, linked }) => linked.map((c) => [tenantId, c.contactKey]))
    .filter(([tenantId, key]) => !contacts.has(tenantKey(tenantId, key)));
  if (missing.length > 0) {
    const rows = await tx.query<{ tenant_id: string; contact_key: string; view: string }>(
      `SELECT tenant_id, contact_key, view FROM ${t.rm_contact_views} WHERE (tenant_id, contact_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [missing.map((m) => m[0]), missing.map((m) => m[1])],
    );
    for (const row of rows) contacts.set(tenantKey(row.tenant_id, row.contact_key), JSON.parse(row.view) as ContactView);
  }
  const rows: DecisionRow[] = [];
  for (const [streamId, { tenantId, view, linked }] of subjects) {
    const own = new Map<string, ContactView>();
    for (const c of linked) {
      const contact = contacts.get(tenantKey(tenantId, c.contactKey));
      if (contact) own.set(c.contactKey, contact);
    }
    const sole = (type: string) => {
      const of = linked.filter((c) => c.type === type);
      return of.length === 0 ? '' : of.length === 1 ? of[0].contactKey : null;
    };
    rows.push({ streamId, answers: precomputeAnswers(view, undefined, own), soleEmail: sole('email'), solePhone: sole('phone') });
  }
  for (const c of changedContacts) {
    const view = contacts.get(tenantKey(c.tenantId, c.key))!;
    rows.push({ streamId: contactStreamId(c.tenantId, c.key), answers: precomputeAnswers(undefined, c.key, new Map([[c.key, view]])), soleEmail: null, solePhone: null });
  }
  await writeDecisions(tx, t, rows);
}

export interface DecisionRow { streamId: string; answers: PrecomputedAnswers; soleEmail: string | null; solePhone: string | null }

/**
 * Writes the rows and the profiles they point at, and deletes the profiles the rows pointed at before that no row
 * points at any more: the profiles are those in use, as a rebuild would write them.
 */
export async function writeDecisions(tx: Queryable, t: TableNames, rows: readonly DecisionRow[]): Promise<void> {
  const before = await tx.query<{ profile: string }>(
    `SELECT DISTINCT profile::text AS profile FROM ${t.rm_decisions} WHERE stream_id = ANY($1::text[])`, [rows.map((r) => r.streamId)]);
  const ids = rows.map((r) => answerProfileId(r.answers));
  await writeAnswerProfiles(tx, t, rows.map((r) => r.answers), ids);
  await tx.query(
    `INSERT INTO ${t.rm_decisions} (stream_id, profile, valid_from, valid_until, sole_email, sole_phone)
     SELECT s, p::bigint, f::timestamptz, u::timestamptz, decode(e, 'hex'), decode(h, 'hex')
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(s, p, f, u, e, h)
     ON CONFLICT (stream_id) DO UPDATE SET profile = EXCLUDED.profile, valid_from = EXCLUDED.valid_from, valid_until = EXCLUDED.valid_until,
       sole_email = EXCLUDED.sole_email, sole_phone = EXCLUDED.sole_phone`,
    [rows.map((r) => r.streamId), ids, rows.map((r) => r.answers.validFrom),
      rows.map((r) => r.answers.validUntil), rows.map((r) => r.soleEmail), rows.map((r) => r.solePhone)],
  );
  const now = new Set(ids);
  const left = before.map((b) => b.profile).filter((id) => !now.has(id));
  if (left.length > 0) {
    await tx.query(
      `DELETE FROM ${t.rm_answer_profiles} p WHERE p.id = ANY($1::bigint[]) AND NOT EXISTS (SELECT 1 FROM ${t.rm_decisions} d WHERE d.profile = p.id)`, [left]);
  }
}

/**
 * Stores the profiles of these answers that are not stored yet (`ids`: their answerProfileId, when the caller has them);
 * fails if a profile id already stands for other answers.
 */
export async function writeAnswerProfiles(tx: Queryable, t: TableNames, answers: readonly Pick<PrecomputedAnswers, 'index' | 'answers'>[],
  ids: readonly string[] = answers.map(answerProfileId)): Promise<void> {
  const profiles = new Map(answers.map((a, i) => [ids[i], a] as const));
  const distinct = [...profiles.keys()].sort();
  await tx.query(
    `INSERT INTO ${t.rm_answer_profiles} (id, idx, answers)
     SELECT id::bigint, i, string_to_array(a, E'\\n') FROM unnest($1::text[], $2::text[], $3::text[]) AS x(id, i, a)
     ON CONFLICT (id) DO NOTHING`,
    [distinct, distinct.map((id) => profiles.get(id)!.index), distinct.map((id) => profiles.get(id)!.answers.join('\n'))],
  );
  const stored = await tx.query<{ id: string; idx: string; answers: string[] }>(
    `SELECT id::text, idx, answers FROM ${t.rm_answer_profiles} WHERE id = ANY($1::bigint[])`, [distinct]);
  for (const row of stored) {
    const ours = profiles.get(row.id)!;
    if (row.idx !== ours.index || row.answers.join('\n') !== ours.answers.join('\n')) {
      throw new Error(`answer profile ${row.id} already stands for other answers`);
    }
  }
}
