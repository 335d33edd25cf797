import { contactStreamId, type ContactType, type ContactView, type SubjectView, subjectStreamId, type TenantState, tenantStreamId } from '@app/domain';
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

/**
 * A precomputed answer (`A` or `D`, then the reason codes joined by `|`) and, for a subject, its linked contact point of
 * the kind asked: its key when it has exactly one, '' when it has none, null when it has several.
 */
export interface StoredAnswer { answer: string; sole: string | null }

export interface StoredAnswers {
  /** The subjects' answers that hold at the instant asked. */
  subjects: Map<string, StoredAnswer>;
  /** The contact points' answers that hold at the instant asked. */
  contacts: Map<string, StoredAnswer>;
  /** Every contact point asked for that the ledger knows (has a stream), whether or not its answer holds. */
  knownContacts: Set<string>;
}

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
   * The precomputed answers to one question (its index in PRECOMPUTED_QUESTIONS) of the subjects and contact points
   * asked for, where they hold at `at`: a few bytes a line, the one answer picked out by the database. Those missing
   * (unknown, or past the instant their facts name) are for the caller to decide from the states.
   */
  async answers(tenantId: string, question: number, contactType: ContactType | undefined, subjectIds: readonly string[],
    contactKeys: readonly string[], at: string): Promise<StoredAnswers> {
    const subjectPrefix = subjectStreamId(tenantId, '');
    const contactPrefix = contactStreamId(tenantId, '');
    const rows = await this.db.query<{ stream_id: string; answer: string; sole: string | null; holds: boolean }>(
      `SELECT stream_id, answers[ascii(substr(idx, $2, 1)) - 47] AS answer,
              CASE $3::text WHEN 'email' THEN sole_email WHEN 'phone' THEN sole_phone END AS sole,
              valid_from <= $4::timestamptz AND (valid_until IS NULL OR valid_until > $4::timestamptz) AS holds
         FROM rm_decisions WHERE stream_id = ANY($1::text[])`,
      [[...subjectIds.map((id) => subjectPrefix + id), ...contactKeys.map((key) => contactPrefix + key)], question + 1, contactType ?? null, at],
    );
    const found: StoredAnswers = { subjects: new Map(), contacts: new Map(), knownContacts: new Set() };
    for (const row of rows) {
      if (row.stream_id.startsWith(subjectPrefix)) {
        if (row.holds) found.subjects.set(row.stream_id.slice(subjectPrefix.length), { answer: row.answer, sole: row.sole });
        continue;
      }
      const key = row.stream_id.slice(contactPrefix.length);
      found.knownContacts.add(key);
      if (row.holds) found.contacts.set(key, { answer: row.answer, sole: null });
    }
    return found;
  }
}
