import type { Migration } from '@app/platform/database';

/**
 * The access log: who read or checked which subject's consent, per tenant, hash-chained like the event streams and
 * append-only like them. The one way out is the retention purge, which a transaction opens for rows older than the
 * cut-off it sets itself (`consent_ledger.access_log_purge_before`); the application refuses cut-offs inside retention.
 */
export const ACCESS_LOG_MIGRATION: Migration = {
  id: 'security-001-access-log',
  sql: `
CREATE TABLE access_log (
  tenant_id           text NOT NULL,
  seq                 bigint NOT NULL,
  id                  uuid NOT NULL UNIQUE,
  at                  timestamptz NOT NULL,
  action              text NOT NULL,
  method              text NOT NULL,
  route               text NOT NULL,
  actor               text NOT NULL,
  client_id           text,
  issuer              text,
  subject_id          text,
  contact_key         text,
  subject_count       integer,
  under_authorization boolean,
  status              integer NOT NULL,
  correlation_id      text,
  hash                text NOT NULL,
  prev_hash           text,
  PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX access_log_subject_idx ON access_log (tenant_id, subject_id, seq);
CREATE INDEX access_log_contact_idx ON access_log (tenant_id, contact_key, seq);

-- Per tenant: the last entry (the append lock) and the anchor a purge leaves (the last purged entry's hash).
CREATE TABLE access_log_heads (
  tenant_id   text PRIMARY KEY,
  seq         bigint NOT NULL,
  hash        text,
  anchor_seq  bigint NOT NULL DEFAULT 0,
  anchor_hash text
);

CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  v_before text := current_setting('consent_ledger.access_log_purge_before', true);
BEGIN
  IF TG_OP = 'DELETE' AND v_before IS NOT NULL AND v_before <> '' AND OLD.at < v_before::timestamptz THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'access_log is append-only: % refused', TG_OP USING ERRCODE = 'LE901';
END
$fn$;
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
  FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
  FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
`,
};

/**
 * Entries are not indexed by their id. Nothing looks an entry up by id (auditors read a tenant's chain by sequence,
 * subject or contact key), and ids are random UUIDs: keeping them unique in an index cost every check a btree insert
 * at a random leaf, ~25 µs of PostgreSQL CPU per check at 100,000 subjects (docs/performance.md, item 10). The
 * chain's primary key (tenant, seq) and its hashes are what make an entry unique and tamper-evident.
 */
export const ACCESS_LOG_ID_NOT_INDEXED: Migration = {
  id: 'security-002-access-log-id-not-indexed',
  sql: 'ALTER TABLE access_log DROP CONSTRAINT IF EXISTS access_log_id_key',
};
