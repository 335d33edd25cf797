import type { Migration, Queryable } from '@app/platform/database';
import { sha256Hex } from './document-signature';

export const DOCUMENT_MEDIA_TYPES = ['application/pdf', 'image/png'] as const;
export type DocumentMediaType = (typeof DOCUMENT_MEDIA_TYPES)[number];

export interface StoredDocument {
  tenantId: string;
  sha256: string;
  mediaType: string;
  content: Uint8Array;
  createdAt: Date;
}

/**
 * The document storage port (E4): content-addressed by SHA-256 within a tenant. The stored bytes are what an
 * audit is answered with; nothing is ever re-rendered.
 */
export interface DocumentStore {
  /** Stores the bytes (a repeat of the same bytes is a no-op) and returns their SHA-256. */
  put(tenantId: string, mediaType: string, content: Uint8Array): Promise<string>;
  get(tenantId: string, sha256: string): Promise<StoredDocument | null>;
}

export const DOCUMENTS_MIGRATION: Migration = {
  id: 'documents-001-documents',
  sql: `CREATE TABLE IF NOT EXISTS documents (
    tenant_id text NOT NULL,
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    media_type text NOT NULL,
    content bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, sha256)
  )`,
};

/**
 * Documents in the ledger's own database (PostgreSQL or PGlite), so every API instance serves the same bytes and a
 * backup of the database holds the documents with the events that name them.
 */
export class SqlDocumentStore implements DocumentStore {
  constructor(private readonly db: Queryable) {}

  async put(tenantId: string, mediaType: string, content: Uint8Array): Promise<string> {
    const sha256 = sha256Hex(content);
    await this.db.query(
      `INSERT INTO documents (tenant_id, sha256, media_type, content) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, sha256) DO NOTHING`,
      [tenantId, sha256, mediaType, Buffer.from(content.buffer, content.byteOffset, content.byteLength)],
    );
    return sha256;
  }

  async get(tenantId: string, sha256: string): Promise<StoredDocument | null> {
    const rows = await this.db.query<{ media_type: string; content: Uint8Array; created_at: Date }>(
      'SELECT media_type, content, created_at FROM documents WHERE tenant_id = $1 AND sha256 = $2',
      [tenantId, sha256],
    );
    if (rows.length === 0) return null;
    const { media_type, content, created_at } = rows[0];
    return { tenantId, sha256, mediaType: media_type, content: new Uint8Array(content), createdAt: created_at };
  }
}

/** The media type of an uploaded scan, from its magic bytes: a PDF or a PNG, nothing else. */
export function sniffMediaType(bytes: Uint8Array): DocumentMediaType | null {
  const starts = (signature: number[]) => signature.every((b, i) => bytes[i] === b);
  if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf';
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  return null;
}
