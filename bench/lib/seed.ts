/**
 * Seeds the eligibility read model of a fresh database for N subjects without going through N HTTP calls: a few
 * subject shapes are folded by the domain deciders themselves (decide, then evolve: the same states the projector
 * writes), and PostgreSQL copies them to every subject with generate_series, substituting the ids. Subject i has the
 * shape i mod the number of shapes; every second subject has a linked email person<i>@example.com with its own contact
 * state. Also seeds a plain `naive_authorizations` table from the same states for the naive baseline.
 */
import {
  contactDecider, contactKeyOf, contactStreamId, type ContactState, contactView, type DecideContext, linkedContacts,
  type PrecomputedAnswers, precomputeAnswers, subjectDecider, subjectStreamId, type SubjectState, subjectView,
} from '@app/domain';
import { PostgresEventStore } from '@app/event-store';
import { migrate, PgDatabase } from '@app/platform/database';
import { answerProfileId, eligibilityProjection, liveTables, PROJECTIONS, projectionMigrations, writeAnswerProfiles } from '@app/projections';

export const SEED_TENANT = 'bench';
const SID = '__SID__';
const EMAIL = 'placeholder@example.invalid';
const CKEY = contactKeyOf(EMAIL);

type Step = { decider: 'subject' | 'contact'; command: Record<string, unknown> };

function grant(id: string, purposes: string[], channels: string[], at: number): Record<string, unknown> {
  return {
    type: 'GrantAuthorization', subjectId: SID, authorizationId: id, formId: 'hipaa-marketing', formVersion: '2026-01',
    purposes, channels, informationDescription: 'Name and services', disclosers: ['Acme'], recipients: ['Acme Marketing'],
    purposeStatement: 'Offers', expiresAt: new Date(at + 2 * 365 * 86_400_000).toISOString(),
    remuneration: { involved: false }, statements: { rightToRevoke: true, noConditioning: true, redisclosure: true },
    signature: { signerName: 'Pat', signedAt: new Date(at - 60_000).toISOString(), signerRole: 'self', method: 'typed' },
  };
}

/** The shapes: what a marketing-email question answers for each is in the comment. */
function shapes(at: number): { name: string; linked: boolean; steps: Step[] }[] {
  const link: Step = { decider: 'subject', command: { type: 'LinkContact', contactType: 'email', value: EMAIL, contactKey: CKEY } };
  return [
    { name: 'granted (ALLOW)', linked: true, steps: [{ decider: 'subject', command: grant('a1', ['marketing', 'research'], ['email', 'sms'], at) }, link] },
    { name: 'granted, revoked (DENY)', linked: false, steps: [
      { decider: 'subject', command: grant('a1', ['marketing'], ['email'], at) },
      { decider: 'subject', command: { type: 'RevokeAuthorization', authorizationId: 'a1', receivedVia: 'portal', receivedAt: new Date(at).toISOString() } }] },
    { name: 'granted, address opted out (DENY)', linked: true, steps: [
      { decider: 'subject', command: grant('a1', ['marketing'], ['email'], at) }, link,
      { decider: 'contact', command: { type: 'OptOutContact', contactType: 'email', value: EMAIL, contactKey: CKEY, purpose: 'marketing', channel: 'email', source: 'one-click', occurredAt: new Date(at).toISOString() } }] },
    { name: 'granted, subject opted out (DENY)', linked: false, steps: [
      { decider: 'subject', command: grant('a1', ['marketing'], ['email', 'sms'], at) },
      { decider: 'subject', command: { type: 'SetPreference', purpose: 'marketing', channel: 'email', choice: 'opt-out', source: 'portal' } }] },
    { name: 'research only (DENY)', linked: true, steps: [{ decider: 'subject', command: grant('a1', ['research'], ['email'], at) }, link] },
    { name: 'two grants (ALLOW)', linked: false, steps: [
      { decider: 'subject', command: grant('a1', ['marketing'], ['email'], at) },
      { decider: 'subject', command: grant('a2', ['marketing', 'fundraising'], ['email', 'portal'], at) }] },
  ];
}

export interface Templates {
  subjects: string[]; contacts: (string | null)[];
  /** The policy views the projection stores beside each state (rm_subject_views, rm_contact_views). */
  subjectViews: string[]; contactViews: (string | null)[];
  /** The precomputed answers it stores (rm_decisions): the same for every subject of a shape, whatever its ids. */
  subjectAnswers: PrecomputedAnswers[]; contactAnswers: (PrecomputedAnswers | null)[];
  authorizations: { id: string; purposes: string[]; channels: string[]; status: string; expiresAt: string | null }[][] }

/** Folds each shape with the deciders; answers the states as JSON text with placeholders for the ids. */
export function buildTemplates(now = Date.now()): Templates {
  const out: Templates = { subjects: [], contacts: [], subjectViews: [], contactViews: [], subjectAnswers: [], contactAnswers: [], authorizations: [] };
  let n = 0;
  for (const shape of shapes(now)) {
    let subject: SubjectState = subjectDecider.initialState({ tenantId: SEED_TENANT, subjectId: SID });
    let contact: ContactState | undefined;
    const context: DecideContext = { now: new Date(now).toISOString(), newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` };
    for (const step of shape.steps) {
      if (step.decider === 'subject') {
        const decided = subjectDecider.decide(step.command as never, subject, context);
        if (!decided.ok) throw new Error(`seed shape "${shape.name}": ${JSON.stringify(decided.error)}`);
        for (const e of decided.events) subject = subjectDecider.evolve(subject, e, { id: context.newId(), position: '1' });
      } else {
        contact ??= contactDecider.initialState({ tenantId: SEED_TENANT, contactKey: CKEY });
        const decided = contactDecider.decide(step.command as never, contact, context);
        if (!decided.ok) throw new Error(`seed shape "${shape.name}": ${JSON.stringify(decided.error)}`);
        for (const e of decided.events) contact = contactDecider.evolve(contact, e, { id: context.newId(), position: '1' });
      }
    }
    out.subjects.push(JSON.stringify(subject));
    const linkedContact = contact ?? contactDecider.initialState({ tenantId: SEED_TENANT, contactKey: CKEY });
    out.contacts.push(shape.linked ? JSON.stringify(linkedContact) : null);
    const view = subjectView(subject);
    const contacts = new Map(shape.linked ? [[CKEY, contactView(linkedContact)]] : []);
    out.subjectViews.push(JSON.stringify(view));
    out.contactViews.push(shape.linked ? JSON.stringify(contacts.get(CKEY)) : null);
    out.subjectAnswers.push(precomputeAnswers(view, undefined, contacts));
    out.contactAnswers.push(shape.linked ? precomputeAnswers(undefined, CKEY, contacts) : null);
    if (linkedContacts(subject).length !== (shape.linked ? 1 : 0)) throw new Error(`seed shape "${shape.name}": links do not match`);
    out.authorizations.push(subject.authorizations.map((a: any) => ({
      id: a.authorizationId, purposes: a.purposes, channels: a.channels,
      status: a.revocation ? 'revoked' : a.expiry ? 'expired' : 'active', expiresAt: a.expiresAt ?? null,
    })));
  }
  return out;
}

export const SHAPE_NAMES = shapes(Date.now()).map((s) => s.name);

/** Applies the schemas the ledger would (event store, read models) so the seed can go in before the ledger starts. */
export async function prepareSchema(url: string): Promise<void> {
  const db = new PgDatabase(url, { max: 2 });
  try {
    await PostgresEventStore.create(db);
    await migrate(db, projectionMigrations(PROJECTIONS));
    await db.query("INSERT INTO projection_checkpoints (name, position) VALUES ('eligibility', 0) ON CONFLICT DO NOTHING");
  } finally {
    await db.close();
  }
}

/** Seeds `count` subjects (s1..sN) in chunks; `log` hears progress. */
export async function seedSubjects(url: string, count: number, options: { naive?: boolean; log?: (m: string) => void } = {}): Promise<void> {
  const templates = buildTemplates();
  const k = templates.subjects.length;
  const db = new PgDatabase(url, { max: 2 });
  try {
    const subjectPrefix = subjectStreamId(SEED_TENANT, '');
    const contactPrefix = contactStreamId(SEED_TENANT, '');
    if (options.naive) {
      await db.query(`CREATE TABLE IF NOT EXISTS naive_authorizations (
        tenant_id text NOT NULL, subject_id text NOT NULL, authorization_id text NOT NULL, purposes text[] NOT NULL, channels text[] NOT NULL,
        status text NOT NULL, expires_at timestamptz, PRIMARY KEY (tenant_id, subject_id, authorization_id))`);
    }
    // The answer profiles the precomputed answers point at, stored as the projection stores them.
    await writeAnswerProfiles(db, liveTables(eligibilityProjection),
      [...templates.subjectAnswers, ...templates.contactAnswers].filter((a): a is PrecomputedAnswers => a !== null));
    const chunk = 100_000;
    for (let from = 1; from <= count; from += chunk) {
      const to = Math.min(count, from + chunk - 1);
      // ck(g) = sha256 of the normalised address, as contactKeyOf computes it.
      const common = `FROM generate_series($1::int, $2::int) AS g,
        LATERAL (SELECT 's' || g AS sid, encode(sha256(convert_to('person' || g || '@example.com', 'UTF8')), 'hex') AS ck, (g % ${k}) + 1 AS k) AS x`;
      await db.query(
        `INSERT INTO rm_subject_states (stream_id, tenant_id, subject_id, state, position)
         SELECT $3 || x.sid, $4, x.sid, replace(replace(replace(t.state, '${SID}', x.sid), '${CKEY}', x.ck), '${EMAIL}', 'person' || g || '@example.com')::jsonb, 1
           ${common} JOIN unnest($5::text[]) WITH ORDINALITY AS t(state, n) ON t.n = x.k`,
        [from, to, subjectPrefix, SEED_TENANT, templates.subjects]);
      await db.query(
        `INSERT INTO rm_contact_states (stream_id, tenant_id, contact_key, state, position)
         SELECT $3 || x.ck, $4, x.ck, replace(replace(t.state, '${CKEY}', x.ck), '${EMAIL}', 'person' || g || '@example.com')::jsonb, 1
           ${common} JOIN unnest($5::text[]) WITH ORDINALITY AS t(state, n) ON t.n = x.k WHERE t.state IS NOT NULL`,
        [from, to, contactPrefix, SEED_TENANT, templates.contacts]);
      await db.query(
        `INSERT INTO rm_contact_links (tenant_id, subject_id, contact_key, contact_type)
         SELECT $3, x.sid, x.ck, 'email' ${common} JOIN unnest($4::text[]) WITH ORDINALITY AS t(state, n) ON t.n = x.k WHERE t.state IS NOT NULL`,
        [from, to, SEED_TENANT, templates.contacts]);
      await db.query(
        `INSERT INTO rm_subject_views (stream_id, view, linked)
         SELECT $3 || x.sid, replace(t.view, '${CKEY}', x.ck), CASE WHEN t.cview IS NULL THEN '{}'::text[] ELSE ARRAY[x.ck] END
           ${common} JOIN unnest($4::text[], $5::text[]) WITH ORDINALITY AS t(view, cview, n) ON t.n = x.k`,
        [from, to, subjectPrefix, templates.subjectViews, templates.contactViews]);
      await db.query(
        `INSERT INTO rm_contact_views (tenant_id, contact_key, view)
         SELECT $3, x.ck, t.view ${common} JOIN unnest($4::text[]) WITH ORDINALITY AS t(view, n) ON t.n = x.k WHERE t.view IS NOT NULL`,
        [from, to, SEED_TENANT, templates.contactViews]);
      // The precomputed answers: a subject's row names its linked address (sole_email), empty when it has none.
      const answers = (list: (PrecomputedAnswers | null)[]) => [list.map((a) => (a ? answerProfileId(a) : null)), list.map((a) => a?.validFrom ?? null),
        list.map((a) => a?.validUntil ?? null)];
      await db.query(
        `INSERT INTO rm_decisions (stream_id, profile, valid_from, valid_until, sole_email, sole_phone)
         SELECT $3 || x.sid, t.p::bigint, t.f::timestamptz, t.u::timestamptz, CASE WHEN t.linked THEN decode(x.ck, 'hex') ELSE ''::bytea END, ''::bytea
           ${common} JOIN unnest($4::text[], $5::text[], $6::text[], $7::boolean[]) WITH ORDINALITY AS t(p, f, u, linked, n) ON t.n = x.k`,
        [from, to, subjectPrefix, ...answers(templates.subjectAnswers), templates.contactAnswers.map((a) => a !== null)]);
      await db.query(
        `INSERT INTO rm_decisions (stream_id, profile, valid_from, valid_until)
         SELECT $3 || x.ck, t.p::bigint, t.f::timestamptz, t.u::timestamptz
           ${common} JOIN unnest($4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS t(p, f, u, n) ON t.n = x.k WHERE t.p IS NOT NULL`,
        [from, to, contactPrefix, ...answers(templates.contactAnswers)]);
      if (options.naive) {
        const rows = templates.authorizations.flatMap((list, i) => list.map((a) => ({ k: i + 1, ...a })));
        await db.query(
          `INSERT INTO naive_authorizations (tenant_id, subject_id, authorization_id, purposes, channels, status, expires_at)
           SELECT $3, x.sid, a.id, a.purposes, a.channels, a.status, a."expiresAt"
             ${common} JOIN jsonb_to_recordset($4::jsonb) AS a(k int, id text, purposes text[], channels text[], status text, "expiresAt" timestamptz) ON a.k = x.k`,
          [from, to, SEED_TENANT, JSON.stringify(rows)]);
      }
      options.log?.(`  seeded subjects ${from.toLocaleString('en-US')}-${to.toLocaleString('en-US')}`);
    }
    // A read model that has lived a while has been vacuumed: its pages carry their hint bits, so that reading them
    // does not dirty them (without this, the first pass of a benchmark over 1,000,000 fresh rows writes as it reads).
    await db.query('VACUUM (ANALYZE)');
  } finally {
    await db.close();
  }
}
