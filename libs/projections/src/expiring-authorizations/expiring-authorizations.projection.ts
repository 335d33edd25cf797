import { EVENT_WIRE_NAMES, subjectStreamId } from '@app/domain';
import type { RecordedEvent } from '@app/event-store';
import type { Queryable } from '@app/platform/database';
import type { Projection, TableNames } from '../projection';

/**
 * Authorizations by subject — status, purposes, channels, expiry, remuneration statement — and, through its partial
 * index, the expiry schedule the scheduler role reads: "which authorizations end by this instant and are not ended?"
 */
export const EXPIRING_TABLES = ['rm_authorizations'] as const;

const W = EVENT_WIRE_NAMES as Record<string, string>;
const ENDING: Record<string, string> = {
  [W.AuthorizationRevoked]: 'revoked',
  [W.AuthorizationExpired]: 'expired',
  ...(W.AuthorizationInvalidated ? { [W.AuthorizationInvalidated]: 'invalidated' } : {}),
};

export const expiringAuthorizationsProjection: Projection = {
  name: 'expiring-authorizations',
  version: 1,
  tables: EXPIRING_TABLES,

  createSql: (t: TableNames) => `
    CREATE TABLE IF NOT EXISTS ${t.rm_authorizations} (
      tenant_id text NOT NULL, subject_id text NOT NULL, authorization_id text NOT NULL,
      form_id text, purposes text[] NOT NULL, channels text[] NOT NULL,
      signed_at timestamptz NOT NULL, expires_at timestamptz, expiration_event text,
      remuneration_involved boolean NOT NULL, remuneration_statement text,
      status text NOT NULL, ended_at timestamptz, position bigint NOT NULL,
      PRIMARY KEY (tenant_id, subject_id, authorization_id));
    CREATE INDEX ON ${t.rm_authorizations} (expires_at) WHERE ended_at IS NULL AND expires_at IS NOT NULL;
    CREATE INDEX ON ${t.rm_authorizations} (tenant_id, expiration_event) WHERE ended_at IS NULL AND expiration_event IS NOT NULL;`,

  async apply(tx: Queryable, events: readonly RecordedEvent[], t: TableNames): Promise<void> {
    for (const e of events) {
      const data = e.data as Record<string, any>;
      if (e.type === W.AuthorizationGranted) {
        await tx.query(
          `INSERT INTO ${t.rm_authorizations} (tenant_id, subject_id, authorization_id, form_id, purposes, channels, signed_at,
             expires_at, expiration_event, remuneration_involved, remuneration_statement, status, position)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'active', $12)
           ON CONFLICT DO NOTHING`,
          [e.metadata.tenantId, data.subjectId, data.authorizationId, data.formId ?? null, data.purposes, data.channels,
            data.signature?.signedAt ?? e.metadata.effectiveAt, data.expiresAt ?? null, data.expirationEvent ?? null,
            Boolean(data.remuneration?.involved), data.remuneration?.statement ?? null, e.position.toString()],
        );
      } else if (ENDING[e.type]) {
        // The first ending wins: a revocation after an expiry (or the reverse) does not move the end.
        await tx.query(
          `UPDATE ${t.rm_authorizations} SET status = $4, ended_at = $5, position = $6
            WHERE tenant_id = $1 AND authorization_id = $2 AND subject_id = $3 AND ended_at IS NULL`,
          [e.metadata.tenantId, data.authorizationId, subjectOf(e), ENDING[e.type], e.metadata.effectiveAt, e.position.toString()],
        );
      } else if (e.type === W.AuthorizationRevocationRequested) {
        await tx.query(
          `UPDATE ${t.rm_authorizations} SET status = 'revocation-requested', position = $4
            WHERE tenant_id = $1 AND authorization_id = $2 AND subject_id = $3 AND ended_at IS NULL`,
          [e.metadata.tenantId, data.authorizationId, subjectOf(e), e.position.toString()],
        );
      }
    }
  },
};

/** Subject events are on `subject-{tenant}-{subjectId}`; grants also carry subjectId in their data. */
function subjectOf(e: RecordedEvent): string {
  const data = e.data as { subjectId?: string };
  if (data.subjectId) return data.subjectId;
  return e.streamId.slice(subjectStreamId(e.metadata.tenantId, '').length);
}
