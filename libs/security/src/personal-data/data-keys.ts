import { randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '@app/platform/database';
import { unwrapKey, wrapKey } from './envelope';
import type { MasterKey } from './master-key';

/** Whose personal data a key protects: a subject, or a contact point (contact streams have no subject). */
export type DataKeyOwner =
  | { kind: 'subject'; tenantId: string; subjectId: string }
  | { kind: 'contact'; tenantId: string; contactKey: string };

export interface DataKey { kid: string; key: Buffer }

/** A key found by its id: its bytes, or null once destroyed (erasure), and whose it is. */
export interface FoundKey { kid: string; owner: DataKeyOwner; key: Buffer | null; destroyedAt: string | null }

/**
 * One live key per owner at a time. Erasure deletes the key bytes and keeps the row (`destroyed_at`), so the ledger
 * can still tell an erased value from a missing one. The `key` column holds the data key wrapped under the master key.
 */
export const PERSONAL_DATA_MIGRATION = {
  id: 'personal-data-001-data-keys',
  sql: `
    CREATE TABLE IF NOT EXISTS subject_data_keys (
      kid text PRIMARY KEY,
      tenant_id text NOT NULL,
      subject_id text NOT NULL,
      key bytea,
      master_key_id text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      destroyed_at timestamptz,
      CHECK ((key IS NULL) = (destroyed_at IS NOT NULL))
    );
    CREATE UNIQUE INDEX IF NOT EXISTS subject_data_keys_live ON subject_data_keys (tenant_id, subject_id) WHERE destroyed_at IS NULL;
    CREATE TABLE IF NOT EXISTS contact_data_keys (
      kid text PRIMARY KEY,
      tenant_id text NOT NULL,
      contact_key text NOT NULL,
      key bytea,
      master_key_id text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      destroyed_at timestamptz,
      CHECK ((key IS NULL) = (destroyed_at IS NOT NULL))
    );
    CREATE UNIQUE INDEX IF NOT EXISTS contact_data_keys_live ON contact_data_keys (tenant_id, contact_key) WHERE destroyed_at IS NULL;`,
};

const TABLE = { subject: { table: 'subject_data_keys', column: 'subject_id' }, contact: { table: 'contact_data_keys', column: 'contact_key' } } as const;

export function ownerId(owner: DataKeyOwner): string {
  return owner.kind === 'subject' ? owner.subjectId : owner.contactKey;
}

/** The associated data binding a wrapped key to its owner; a row copied to another owner does not unwrap. */
function wrapAad(owner: DataKeyOwner, kid: string): string {
  return `data-key|${owner.tenantId}|${owner.kind}:${ownerId(owner)}|${kid}`;
}

function bytes(value: unknown): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array);
}

export class DataKeys {
  constructor(private readonly db: Queryable, private readonly master: MasterKey) {}

  /** The owner's live key, created on first use (two racing writers end up with the same one). */
  async live(owner: DataKeyOwner): Promise<DataKey> {
    const { table, column } = TABLE[owner.kind];
    for (let attempt = 0; attempt < 2; attempt++) {
      const rows = await this.db.query<{ kid: string; key: unknown; master_key_id: string }>(
        `SELECT kid, key, master_key_id FROM ${table} WHERE tenant_id = $1 AND ${column} = $2 AND destroyed_at IS NULL`,
        [owner.tenantId, ownerId(owner)],
      );
      if (rows.length > 0) return { kid: rows[0].kid, key: this.unwrap(owner, rows[0].kid, rows[0].key, rows[0].master_key_id) };
      const kid = randomUUID();
      const wrapped = wrapKey(this.master.key, randomBytes(32), wrapAad(owner, kid));
      await this.db.query(
        `INSERT INTO ${table} (kid, tenant_id, ${column}, key, master_key_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, ${column}) WHERE destroyed_at IS NULL DO NOTHING`,
        [kid, owner.tenantId, ownerId(owner), wrapped, this.master.id],
      );
    }
    throw new Error('could not create a data key');
  }

  /** Keys of one tenant by id, from both tables; destroyed keys come back with `key: null`. */
  async find(tenantId: string, kids: readonly string[]): Promise<Map<string, FoundKey>> {
    const found = new Map<string, FoundKey>();
    if (kids.length === 0) return found;
    const rows = await this.db.query<{ kid: string; kind: 'subject' | 'contact'; owner: string; key: unknown; master_key_id: string; destroyed_at: unknown }>(
      `SELECT kid, 'subject' AS kind, subject_id AS owner, key, master_key_id, destroyed_at FROM subject_data_keys WHERE tenant_id = $1 AND kid = ANY($2::text[])
       UNION ALL
       SELECT kid, 'contact', contact_key, key, master_key_id, destroyed_at FROM contact_data_keys WHERE tenant_id = $1 AND kid = ANY($2::text[])`,
      [tenantId, [...new Set(kids)]],
    );
    for (const row of rows) {
      const owner: DataKeyOwner = row.kind === 'subject'
        ? { kind: 'subject', tenantId, subjectId: row.owner }
        : { kind: 'contact', tenantId, contactKey: row.owner };
      found.set(row.kid, {
        kid: row.kid,
        owner,
        key: row.key === null ? null : this.unwrap(owner, row.kid, row.key, row.master_key_id),
        destroyedAt: row.destroyed_at === null ? null : new Date(row.destroyed_at as string).toISOString(),
      });
    }
    return found;
  }

  /** Crypto-shredding: the key bytes are deleted; the row stays with `destroyed_at`. Answers how many were destroyed. */
  async destroy(owner: DataKeyOwner, at: string): Promise<number> {
    const { table, column } = TABLE[owner.kind];
    const rows = await this.db.query<{ kid: string }>(
      `UPDATE ${table} SET key = NULL, destroyed_at = $3 WHERE tenant_id = $1 AND ${column} = $2 AND destroyed_at IS NULL RETURNING kid`,
      [owner.tenantId, ownerId(owner), at],
    );
    return rows.length;
  }

  private unwrap(owner: DataKeyOwner, kid: string, wrapped: unknown, masterKeyId: string): Buffer {
    if (masterKeyId !== this.master.id) {
      throw new Error(`data key ${kid} is wrapped by master key ${masterKeyId}, this instance holds ${this.master.id}: give every instance the same data-master.key`);
    }
    return unwrapKey(this.master.key, bytes(wrapped), wrapAad(owner, kid));
  }
}
