import {
  contactStreamId, type ContactType, type ContactView, precomputeAnswers, subjectDecider, type SubjectView, subjectStreamId, subjectView,
  type TenantState, tenantStreamId,
} from '@app/domain';
import type { Queryable } from '@app/platform/database';

export interface EligibilitySnapshot {
  /** What `evaluate` reads of each subject asked for (a full folded state on the audit path, a view on the live one). */
  subjects: Map<string, SubjectView>;
  /** The same of the contact keys asked for and of every contact linked to the subjects asked for. */
  contacts: Map<string, ContactView>;
  tenant: TenantState | undefined;
  /** The eligibility projection's checkpoint read in the same statement: every state above reflects it exactly. */
  position: bigint;
}

/**
 * What `evaluate` needs, for one subject or a batch of many, in one round trip: the policy views of the subjects by
 * primary key, of the contacts by (tenant, key) — those asked for and those linked to the subjects, whose keys ride on
 * the subject's row — and the tenant's state. The contact keys are one set (a UNION) probed through the primary key:
 * written as `contact_key = ANY(...) OR contact_key IN (...)`, PostgreSQL scanned the whole table for every call
 * (bench/check, 1M subjects: 110 ms -> 0.9 ms for one subject, 176 -> 40 ms for a scrub batch of 1,000).
 */
const BATCH = 500;

/** The answers for an address the ledger does not know: `evaluate` with no subject and no contact point, which hold for good. */
const UNKNOWN_ADDRESS = precomputeAnswers(undefined, undefined, new Map());

/**
 * The answers for a subject the ledger does not know, asked with no address or one it does not know either: `evaluate`
 * of a subject with no facts (UNKNOWN_SUBJECT where an authorization is needed) and no contact point, held for good.
 */
const UNKNOWN_SUBJECT = precomputeAnswers(subjectView(subjectDecider.initialState({ subjectId: '' })), undefined, new Map());

/** How many answer profiles a process keeps in memory (a few hundred bytes each). */
const PROFILES_KEPT = 20_000;

/** A line of a scrub as the stored answers are asked for it: a subject, an address (its key), or both. */
export interface AnswerQuestion { subjectId?: string; contactKey?: string }

interface PendingLookup {
  subjectIds: Set<string>;
  contactKeys: Set<string>;
  waiters: { resolve: (snapshot: EligibilitySnapshot) => void; reject: (error: unknown) => void }[];
}

export class EligibilityReadModel {
  constructor(private readonly db: Queryable) {}

  /**
   * The snapshot for one question, sharing a round trip with the questions asked meanwhile: lookups made while the
   * event loop runs are gathered and sent, per tenant, as one statement on the next turn (at most `BATCH` keys
   * each). Under load, tens of concurrent checks cost one query instead of tens; alone, a check waits one turn.
   * Each caller gets the whole batch's snapshot: `evaluate` only reads the keys it was asked about.
   */
  lookup(tenantId: string, subjectIds: readonly string[], contactKeys: readonly string[]): Promise<EligibilitySnapshot> {
    let batch = this.pending.get(tenantId);
    if (!batch || batch.subjectIds.size + batch.contactKeys.size >= BATCH) {
      if (batch) void this.send(tenantId, batch);
      batch = { subjectIds: new Set(), contactKeys: new Set(), waiters: [] };
      this.pending.set(tenantId, batch);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    }
    for (const id of subjectIds) batch.subjectIds.add(id);
    for (const key of contactKeys) batch.contactKeys.add(key);
    const pending = batch;
    return new Promise((resolve, reject) => pending.waiters.push({ resolve, reject }));
  }

  private readonly pending = new Map<string, PendingLookup>();
  private scheduled = false;

  private flush(): void {
    this.scheduled = false;
    const batches = [...this.pending.entries()];
    this.pending.clear();
    for (const [tenantId, batch] of batches) void this.send(tenantId, batch);
  }

  private async send(tenantId: string, batch: PendingLookup): Promise<void> {
    if (this.pending.get(tenantId) === batch) this.pending.delete(tenantId);
    try {
      const snapshot = await this.snapshot(tenantId, [...batch.subjectIds], [...batch.contactKeys]);
      for (const waiter of batch.waiters) waiter.resolve(snapshot);
    } catch (error) {
      for (const waiter of batch.waiters) waiter.reject(error);
    }
  }

  async snapshot(tenantId: string, subjectIds: readonly string[], contactKeys: readonly string[]): Promise<EligibilitySnapshot> {
    const prefix = subjectStreamId(tenantId, '');
    const rows = await this.db.query<{ k: 's' | 'c' | 't' | 'p'; key: string; state: string }>(
      `WITH s AS (SELECT stream_id, view, linked FROM rm_subject_views WHERE stream_id = ANY($2::text[]))
       SELECT 's' AS k, stream_id AS key, view AS state FROM s
       UNION ALL
       SELECT 'c', contact_key, view FROM rm_contact_views
        WHERE tenant_id = $1 AND contact_key IN (SELECT unnest($3::text[]) UNION SELECT unnest(linked) FROM s)
       UNION ALL
       SELECT 't', tenant_id, state::text FROM rm_tenant_states WHERE stream_id = $4
       UNION ALL
       SELECT 'p', NULL, position::text FROM projection_checkpoints WHERE name = 'eligibility'`,
      [tenantId, subjectIds.map((id) => prefix + id), [...contactKeys], tenantStreamId(tenantId)],
    );
    const snapshot: EligibilitySnapshot = { subjects: new Map(), contacts: new Map(), tenant: undefined, position: 0n };
    for (const row of rows) {
      if (row.k === 'p') {
        snapshot.position = BigInt(row.state);
        continue;
      }
      const state: unknown = JSON.parse(row.state);
      if (row.k === 's') snapshot.subjects.set(row.key.slice(prefix.length), state as SubjectView);
      else if (row.k === 'c') snapshot.contacts.set(row.key, state as ContactView);
      else snapshot.tenant = state as TenantState;
    }
    return snapshot;
  }

  /**
   * The precomputed answers to one question (its index in PRECOMPUTED_QUESTIONS) of a batch of lines, where one holds
   * at `at` and is the line's own: `evaluate` would consider the same contact points. For a line naming a subject, its
   * row, when the line gives no address, or the subject's one linked address of the kind the channel reaches, or an
   * address the ledger does not know for a subject with none of that kind (`sole_*` empty; then the address's row is
   * probed, and only then). For a line naming only an address, the address's row, or when the ledger does not know the
   * address, the answers of a question about nobody (UNKNOWN_ADDRESS). For a subject the ledger does not know, with no
   * address or one it does not know either, the answers about a subject with no facts (UNKNOWN_SUBJECT). One
   * statement, a probe or two per line, answering each row's profile; the profiles (immutable: an id is a hash of the
   * answers) are kept in memory once read. An answer is `A` or `D`, then the reason codes joined by `|`; a line
   * answered undefined is for the caller to decide from the states.
   */
  async answers(tenantId: string, question: number, contactType: ContactType | undefined, lines: readonly AnswerQuestion[],
    at: string): Promise<(string | undefined)[]> {
    const subjectPrefix = subjectStreamId(tenantId, '');
    const contactPrefix = contactStreamId(tenantId, '');
    // Both cast: a process may have set node-postgres to parse int8 as BigInt (Emmett does, in bench/event-store).
    const rows = await this.db.query<{ n: number; profile: string | null; named: boolean }>(
      `SELECT q.n::int AS n, d.profile::text AS profile, q.s IS NOT NULL AS named
         FROM (SELECT s, $2 || k AS c, k, n FROM unnest($1::text[], $3::text[]) WITH ORDINALITY AS u(s, k, n)) AS q
         LEFT JOIN rm_decisions d ON d.stream_id = COALESCE(q.s, q.c)
        WHERE (d.stream_id IS NULL
               AND (q.s IS NULL OR q.k IS NULL OR NOT EXISTS (SELECT 1 FROM rm_decisions c WHERE c.stream_id = q.c)))
           OR (d.valid_from <= $5::timestamptz AND (d.valid_until IS NULL OR d.valid_until > $5::timestamptz)
               AND (q.s IS NULL OR q.k IS NULL
                    OR CASE $4::text WHEN 'email' THEN d.sole_email WHEN 'phone' THEN d.sole_phone END = decode(q.k, 'hex')
                    OR (CASE $4::text WHEN 'email' THEN d.sole_email WHEN 'phone' THEN d.sole_phone END = ''::bytea
                        AND NOT EXISTS (SELECT 1 FROM rm_decisions c WHERE c.stream_id = q.c))))`,
      [lines.map((l) => (l.subjectId === undefined ? null : subjectPrefix + l.subjectId)), contactPrefix,
        lines.map((l) => l.contactKey ?? null), contactType ?? null, at],
    );
    await this.readProfiles(rows.flatMap((r) => (r.profile === null ? [] : [r.profile])));
    const answers: (string | undefined)[] = new Array(lines.length);
    for (const row of rows) {
      // No row: a subject, or an address alone, that the ledger does not know (and no contact point to consider). A
      // profile gone meanwhile (its subject changed since): the line is decided from the states.
      const profile = row.profile === null ? (row.named ? UNKNOWN_SUBJECT : UNKNOWN_ADDRESS) : this.profiles.get(row.profile);
      if (profile) answers[row.n - 1] = profile.answers[profile.index.charCodeAt(question) - 48];
    }
    return answers;
  }

  /** Answer profiles read so far, by id; cleared when it grows past PROFILES_KEPT (the profiles in use are few). */
  private readonly profiles = new Map<string, { index: string; answers: string[] }>();

  private async readProfiles(ids: readonly string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.profiles.has(id));
    if (missing.length === 0) return;
    if (this.profiles.size + missing.length > PROFILES_KEPT) this.profiles.clear();
    const rows = await this.db.query<{ id: string; idx: string; answers: string[] }>(
      'SELECT id::text, idx, answers FROM rm_answer_profiles WHERE id = ANY($1::bigint[])', [missing]);
    for (const row of rows) this.profiles.set(row.id, { index: row.idx, answers: row.answers });
  }
}
