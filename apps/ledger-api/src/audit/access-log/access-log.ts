import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { canonicalJson, sha256Hex } from '@app/event-store';
import type { LedgerConfig } from '@app/platform';
import { type Database, migrate, type Queryable } from '@app/platform/database';
import { CLOCK, type Clock, CONFIG, DATABASE } from '../../ledger/tokens';
import { ACCESS_LOG_ID_NOT_INDEXED, ACCESS_LOG_MIGRATION } from './access-log.migration';

/** One disclosure or check of consent. Identifiers only: never a name, an address or free text (PHI). */
export interface AccessEntryInput {
  tenantId: string;
  /** What was done: `subject-read`, `subject-history`, `eligibility-check`, `scrub`, `document-read`, ... */
  action: string;
  method: string;
  /** The route template, not the URL (no query string, no values). */
  route: string;
  /** The token's `sub`. */
  actor: string;
  clientId?: string | null;
  issuer?: string | null;
  subjectId?: string | null;
  /** SHA-256 of the normalised address, when a contact point was asked about. */
  contactKey?: string | null;
  /** How many subjects or lines a bulk read touched (a scrub). */
  subjectCount?: number | null;
  /** H12, 45 CFR 164.528(a)(1)(iv): the disclosure rests on an authorization (left out of the accounting). */
  underAuthorization?: boolean | null;
  status: number;
  correlationId?: string | null;
}

export interface AccessEntry extends Required<{ [K in keyof AccessEntryInput]: Exclude<AccessEntryInput[K], undefined> }> {
  seq: string;
  id: string;
  at: string;
  hash: string;
  prevHash: string | null;
}

export type AccessChainCheck =
  | { ok: true; tenantId: string; entries: number; anchorSeq: string }
  | { ok: false; tenantId: string; seq: string; reason: string };

export interface AccessQuery { subjectId?: string; contactKey?: string; after?: string; limit?: number }

interface Row {
  tenant_id: string; seq: string; id: string; at: Date; action: string; method: string; route: string; actor: string;
  client_id: string | null; issuer: string | null; subject_id: string | null; contact_key: string | null;
  subject_count: number | null; under_authorization: boolean | null; status: number; correlation_id: string | null;
  hash: string; prev_hash: string | null;
}

/** The content an entry's hash covers: every column but the hashes themselves. */
export function hashedContent(e: Omit<AccessEntry, 'hash' | 'prevHash'>): unknown {
  return {
    tenantId: e.tenantId, seq: e.seq, id: e.id, at: e.at, action: e.action, method: e.method, route: e.route,
    actor: e.actor, clientId: e.clientId, issuer: e.issuer, subjectId: e.subjectId, contactKey: e.contactKey,
    subjectCount: e.subjectCount, underAuthorization: e.underAuthorization, status: e.status, correlationId: e.correlationId,
  };
}

/**
 * `canonicalJson(hashedContent(e))`, written out with the members in their sorted order: every check appends an entry,
 * and the general canonicalJson (sorting the keys, writing each) was ~3% of a check's CPU. A property test
 * (access-log-hash.unit.spec.ts) pins it to the general form, which stays the definition.
 */
export function hashedText(e: Omit<AccessEntry, 'hash' | 'prevHash'>): string {
  return `{"action":${json(e.action)},"actor":${json(e.actor)},"at":${json(e.at)},"clientId":${json(e.clientId)},` +
    `"contactKey":${json(e.contactKey)},"correlationId":${json(e.correlationId)},"id":${json(e.id)},"issuer":${json(e.issuer)},` +
    `"method":${json(e.method)},"route":${json(e.route)},"seq":${json(e.seq)},"status":${canonicalJson(e.status)},` +
    `"subjectCount":${e.subjectCount === null ? 'null' : canonicalJson(e.subjectCount)},"subjectId":${json(e.subjectId)},` +
    `"tenantId":${json(e.tenantId)},"underAuthorization":${e.underAuthorization === null ? 'null' : e.underAuthorization ? 'true' : 'false'}}`;
}

function json(text: string | null): string {
  return text === null ? 'null' : JSON.stringify(text);
}

export function accessEntryHash(entry: Omit<AccessEntry, 'hash' | 'prevHash'>, prevHash: string | null): string {
  return sha256Hex(hashedText(entry) + (prevHash ?? ''));
}

function fromRow(r: Row): AccessEntry {
  return {
    tenantId: r.tenant_id, seq: String(r.seq), id: r.id, at: new Date(r.at).toISOString(), action: r.action,
    method: r.method, route: r.route, actor: r.actor, clientId: r.client_id, issuer: r.issuer, subjectId: r.subject_id,
    contactKey: r.contact_key, subjectCount: r.subject_count, underAuthorization: r.under_authorization,
    status: r.status, correlationId: r.correlation_id, hash: r.hash, prevHash: r.prev_hash,
  };
}

export class RetentionError extends Error {}

/** A group of one tenant's entries chained onto its head, in arrival order. */
function chainEntries(items: { input: AccessEntryInput; at: string }[], head: { seq: bigint; hash: string | null }): AccessEntry[] {
  let { seq, hash: prevHash } = head;
  return items.map(({ input, at }) => {
    seq += 1n;
    const entry: Omit<AccessEntry, 'hash' | 'prevHash'> = {
      tenantId: input.tenantId,
      seq: seq.toString(),
      id: randomUUID(),
      at,
      action: input.action,
      method: input.method,
      route: input.route,
      actor: input.actor,
      clientId: input.clientId ?? null,
      issuer: input.issuer ?? null,
      subjectId: input.subjectId ?? null,
      contactKey: input.contactKey ?? null,
      subjectCount: input.subjectCount ?? null,
      underAuthorization: input.underAuthorization ?? null,
      status: input.status,
      correlationId: input.correlationId ?? null,
    };
    const hash = accessEntryHash(entry, prevHash);
    const chained: AccessEntry = { ...entry, hash, prevHash };
    prevHash = hash;
    return chained;
  });
}

/**
 * The access log port over the ledger's database: append (one chained entry per tenant at a time), query for
 * auditors, verify the chain, and purge what has outlived its retention (45 CFR 164.530(j): six years by default).
 */
@Injectable()
export class AccessLog implements OnModuleInit {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: LedgerConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await migrate(this.db, [ACCESS_LOG_MIGRATION, ACCESS_LOG_ID_NOT_INDEXED]);
  }

  get retentionDays(): number {
    return this.config.accessLogRetentionDays;
  }

  /**
   * Appends one entry and resolves once it is durable. Entries arriving while a write is in flight are written
   * together by the next one (group commit): one statement per tenant of the batch, each tenant's chain extended in
   * arrival order, so the log keeps up with many concurrent checks instead of serialising one commit per request.
   */
  record(input: AccessEntryInput): Promise<AccessEntry> {
    return new Promise<AccessEntry>((resolve, reject) => {
      this.pending.push({ input, at: this.clock.now().toISOString(), resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private pending: { input: AccessEntryInput; at: string; resolve: (e: AccessEntry) => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, 1000);
        const byTenant = new Map<string, typeof batch>();
        for (const item of batch) {
          const list = byTenant.get(item.input.tenantId);
          if (list) list.push(item);
          else byTenant.set(item.input.tenantId, [item]);
        }
        for (const [tenantId, items] of byTenant) {
          try {
            const written = await this.append(tenantId, items);
            items.forEach((item, i) => item.resolve(written[i]));
          } catch (error) {
            items.forEach((item) => item.reject(error));
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Each tenant's chain head as this process last wrote or read it; another process appending makes it stale. */
  private readonly heads = new Map<string, { seq: bigint; hash: string | null }>();

  /**
   * Extends one tenant's chain with a group of entries in ONE statement (one round trip, one commit): the head row
   * moves from the sequence number this process expects to the group's last entry, and the entries are inserted only
   * if it did. When another process appended meanwhile, nothing is written; the head is read again and the group
   * re-chained onto it. The head row is the tenant's append lock, as ledger_streams is a stream's.
   */
  private async append(tenantId: string, items: { input: AccessEntryInput; at: string }[]): Promise<AccessEntry[]> {
    for (let attempt = 1; ; attempt++) {
      const head = this.heads.get(tenantId) ?? await this.readHead(tenantId);
      const entries = chainEntries(items, head);
      const last = entries[entries.length - 1];
      const column = <K extends keyof AccessEntry>(key: K) => entries.map((e) => e[key]);
      const inserted = await this.db.query(
        `WITH head AS (
           UPDATE access_log_heads SET seq = $19::bigint, hash = $20 WHERE tenant_id = $1 AND seq = $21::bigint RETURNING 1)
         INSERT INTO access_log (tenant_id, seq, id, at, action, method, route, actor, client_id, issuer, subject_id,
           contact_key, subject_count, under_authorization, status, correlation_id, hash, prev_hash)
         SELECT $1, e.* FROM unnest($2::bigint[], $3::uuid[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[],
           $9::text[], $10::text[], $11::text[], $12::text[], $13::integer[], $14::boolean[], $15::integer[], $16::text[], $17::text[], $18::text[]) AS e
         WHERE EXISTS (SELECT 1 FROM head)
         RETURNING 1`,
        [tenantId, column('seq'), column('id'), column('at'), column('action'), column('method'), column('route'), column('actor'),
          column('clientId'), column('issuer'), column('subjectId'), column('contactKey'), column('subjectCount'), column('underAuthorization'),
          column('status'), column('correlationId'), column('hash'), column('prevHash'), last.seq, last.hash, head.seq.toString()],
      );
      if (inserted.length === entries.length) {
        this.heads.set(tenantId, { seq: BigInt(last.seq), hash: last.hash });
        return entries;
      }
      this.heads.delete(tenantId);
      if (attempt >= 50) throw new Error(`the access-log chain head of a tenant kept moving: ${attempt} attempts`);
    }
  }

  /**
   * The tenant's chain head, created empty the first time. (When another process creates it at the same moment, this
   * statement's snapshot may predate that commit and see no row: read again.)
   */
  private async readHead(tenantId: string): Promise<{ seq: bigint; hash: string | null }> {
    for (let attempt = 1; ; attempt++) {
      const [row] = await this.db.query<{ seq: string; hash: string | null }>(
        `WITH created AS (
           INSERT INTO access_log_heads (tenant_id, seq) VALUES ($1, 0) ON CONFLICT (tenant_id) DO NOTHING RETURNING seq, hash)
         SELECT seq, hash FROM created UNION ALL SELECT seq, hash FROM access_log_heads WHERE tenant_id = $1`,
        [tenantId],
      );
      if (row) return { seq: BigInt(row.seq), hash: row.hash };
      if (attempt >= 5) throw new Error(`the access-log chain head of a tenant could not be read: ${attempt} attempts`);
    }
  }

  /** Entries of one tenant, oldest first, optionally about one subject or contact key, after a sequence number. */
  async query(tenantId: string, filter: AccessQuery = {}): Promise<AccessEntry[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM access_log
        WHERE tenant_id = $1 AND ($2::text IS NULL OR subject_id = $2::text) AND ($3::text IS NULL OR contact_key = $3::text)
          AND seq > $4::bigint
        ORDER BY seq LIMIT $5`,
      [tenantId, filter.subjectId ?? null, filter.contactKey ?? null, filter.after ?? '0', Math.min(filter.limit ?? 1000, 10_000)],
    );
    return rows.map(fromRow);
  }

  /** Recomputes the tenant's chain from its anchor (the last purged entry) to its head. */
  async verify(tenantId: string): Promise<AccessChainCheck> {
    const [head] = await this.db.query<{ seq: string; hash: string | null; anchor_seq: string; anchor_hash: string | null }>(
      'SELECT seq, hash, anchor_seq, anchor_hash FROM access_log_heads WHERE tenant_id = $1', [tenantId],
    );
    if (!head) {
      const [stray] = await this.db.query<{ seq: string }>('SELECT seq FROM access_log WHERE tenant_id = $1 LIMIT 1', [tenantId]);
      return stray ? { ok: false, tenantId, seq: String(stray.seq), reason: 'entries exist without a chain head' } : { ok: true, tenantId, entries: 0, anchorSeq: '0' };
    }
    let expectedSeq = BigInt(head.anchor_seq) + 1n;
    let prevHash = head.anchor_hash;
    let entries = 0;
    for (;;) {
      const rows = await this.db.query<Row>(
        'SELECT * FROM access_log WHERE tenant_id = $1 AND seq >= $2::bigint ORDER BY seq LIMIT 1000', [tenantId, expectedSeq.toString()],
      );
      for (const row of rows) {
        const entry = fromRow(row);
        const fail = (reason: string): AccessChainCheck => ({ ok: false, tenantId, seq: entry.seq, reason });
        if (BigInt(entry.seq) !== expectedSeq) return { ok: false, tenantId, seq: expectedSeq.toString(), reason: `entry ${expectedSeq} is missing` };
        if (entry.prevHash !== prevHash) return fail('prev_hash does not match the hash of the previous entry');
        if (accessEntryHash(entry, entry.prevHash) !== entry.hash) return fail('the entry does not match its hash: it was altered');
        prevHash = entry.hash;
        expectedSeq++;
        entries++;
      }
      if (rows.length < 1000) break;
    }
    const last = (expectedSeq - 1n).toString();
    if (last !== String(head.seq) || prevHash !== head.hash) {
      return { ok: false, tenantId, seq: String(head.seq), reason: `the chain head (entry ${head.seq}) does not match the last entry (${last}): entries were removed` };
    }
    return { ok: true, tenantId, entries, anchorSeq: String(head.anchor_seq) };
  }

  /**
   * Deletes the tenant's entries recorded before `before`, which must lie outside the retention period; the last
   * deleted entry becomes the chain's anchor so that what remains still verifies. Answers how many were removed.
   */
  async purge(tenantId: string, before: Date): Promise<{ purged: number; anchorSeq: string }> {
    const oldestAllowed = this.clock.now().getTime() - this.config.accessLogRetentionDays * 86_400_000;
    if (before.getTime() > oldestAllowed) {
      throw new RetentionError(`access-log entries are kept ${this.config.accessLogRetentionDays} days (45 CFR 164.530(j)); ${before.toISOString()} is inside retention`);
    }
    return this.db.transaction(async (tx: Queryable) => {
      const [head] = await tx.query<{ seq: string; anchor_seq: string }>(
        'SELECT seq, anchor_seq FROM access_log_heads WHERE tenant_id = $1 FOR UPDATE', [tenantId],
      );
      if (!head) return { purged: 0, anchorSeq: '0' };
      const [last] = await tx.query<{ seq: string; hash: string }>(
        'SELECT seq, hash FROM access_log WHERE tenant_id = $1 AND at < $2::timestamptz ORDER BY seq DESC LIMIT 1', [tenantId, before.toISOString()],
      );
      if (!last) return { purged: 0, anchorSeq: String(head.anchor_seq) };
      await tx.query(`SELECT set_config('consent_ledger.access_log_purge_before', $1, true)`, [before.toISOString()]);
      const deleted = await tx.query<{ seq: string }>(
        'DELETE FROM access_log WHERE tenant_id = $1 AND seq <= $2::bigint RETURNING seq', [tenantId, String(last.seq)],
      );
      await tx.query(`SELECT set_config('consent_ledger.access_log_purge_before', '', true)`);
      await tx.query('UPDATE access_log_heads SET anchor_seq = $2::bigint, anchor_hash = $3 WHERE tenant_id = $1', [tenantId, String(last.seq), last.hash]);
      return { purged: deleted.length, anchorSeq: String(last.seq) };
    });
  }
}
