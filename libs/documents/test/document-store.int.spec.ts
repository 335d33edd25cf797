import { migrate } from '@app/platform/database';
import type { Database } from '@app/platform/database';
import { createTestPgDatabase, createTestPgliteDatabase } from '../../../test/support/database';
import { DOCUMENTS_MIGRATION, sha256Hex, SqlDocumentStore } from '../src';
import { strokePng } from './support';

describe.each(['pglite', 'postgres'] as const)('the document store on %s', (backend) => {
  let db: Database;
  let drop: () => Promise<void>;
  let store: SqlDocumentStore;

  beforeAll(async () => {
    const created = backend === 'pglite' ? await createTestPgliteDatabase() : await createTestPgDatabase();
    db = created.db;
    drop = created.drop;
    await migrate(db, [DOCUMENTS_MIGRATION]);
    store = new SqlDocumentStore(db);
  });
  afterAll(() => drop());

  it('returns exactly the stored bytes, addressed by their SHA-256, on every read', async () => {
    const bytes = strokePng();
    const sha256 = await store.put('acme', 'image/png', bytes);
    expect(sha256).toBe(sha256Hex(bytes));
    const first = await store.get('acme', sha256);
    const second = await store.get('acme', sha256);
    expect(first).toEqual(expect.objectContaining({ tenantId: 'acme', sha256, mediaType: 'image/png' }));
    expect(Buffer.from(first!.content).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(second!.content).equals(Buffer.from(bytes))).toBe(true);
  });

  it('storing the same bytes again is a no-op; another tenant does not see them', async () => {
    const bytes = new TextEncoder().encode('%PDF-1.7 same bytes');
    const sha256 = await store.put('acme', 'application/pdf', bytes);
    expect(await store.put('acme', 'application/pdf', bytes)).toBe(sha256);
    const rows = await db.query<{ n: string }>('SELECT count(*)::int8 AS n FROM documents WHERE tenant_id = $1 AND sha256 = $2', ['acme', sha256]);
    expect(rows[0].n).toBe('1');
    expect(await store.get('globex', sha256)).toBeNull();
  });
});
