import { type ContactState, type SubjectState, subjectStreamId, type TenantState, tenantStreamId } from '@app/domain';
import type { Queryable } from '@app/platform/database';

export interface EligibilitySnapshot {
  subjects: Map<string, SubjectState>;
  /** The states of the contact keys asked for and of every contact linked to the subjects asked for. */
  contacts: Map<string, ContactState>;
  tenant: TenantState | undefined;
}

/**
 * The states `evaluate` needs, for one subject or a batch of many, in one round trip: subjects by primary key,
 * contacts by (tenant, key) — those asked for and those linked to the subjects — and the tenant.
 * The contact keys are one set (a UNION) probed through the (tenant_id, contact_key) index: written as
 * `contact_key = ANY(...) OR contact_key IN (...)`, PostgreSQL scanned the whole table for every call
 * (bench/check, 1M subjects: 110 ms -> 0.9 ms for one subject, 176 -> 40 ms for a scrub batch of 1,000).
 */
export class EligibilityReadModel {
  constructor(private readonly db: Queryable) {}

  async snapshot(tenantId: string, subjectIds: readonly string[], contactKeys: readonly string[]): Promise<EligibilitySnapshot> {
    const rows = await this.db.query<{ k: 's' | 'c' | 't'; key: string; state: unknown }>(
      `SELECT 's' AS k, subject_id AS key, state FROM rm_subject_states WHERE stream_id = ANY($2::text[])
       UNION ALL
       SELECT 'c', contact_key, state FROM rm_contact_states
        WHERE tenant_id = $1 AND contact_key IN (
          SELECT unnest($3::text[])
          UNION
          SELECT contact_key FROM rm_contact_links WHERE tenant_id = $1 AND subject_id = ANY($4::text[]))
       UNION ALL
       SELECT 't', tenant_id, state FROM rm_tenant_states WHERE stream_id = $5`,
      [tenantId, subjectIds.map((id) => subjectStreamId(tenantId, id)), [...contactKeys], [...subjectIds], tenantStreamId(tenantId)],
    );
    const snapshot: EligibilitySnapshot = { subjects: new Map(), contacts: new Map(), tenant: undefined };
    for (const row of rows) {
      const state = typeof row.state === 'string' ? JSON.parse(row.state) : row.state;
      if (row.k === 's') snapshot.subjects.set(row.key, state as SubjectState);
      else if (row.k === 'c') snapshot.contacts.set(row.key, state as ContactState);
      else snapshot.tenant = state as TenantState;
    }
    return snapshot;
  }
}
