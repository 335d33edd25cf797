import { createHash } from 'node:crypto';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import type { JSONWebKeySet } from 'jose';
import { contactStreamId, fromWireEvent, subjectDecider, subjectStreamId, type SubjectState } from '@app/domain';
import { canonicalJson, eventHash, type EventStore, type RecordedEvent } from '@app/event-store';
import type { Queryable } from '@app/platform/database';
import { type KeySet, MANIFEST_TYPE, signCompact, verifyCompact } from '@app/security';

/**
 * Evidence bundles: everything an auditor needs to check, offline and years later, what the ledger holds about one
 * subject. A zip of
 *   events.jsonl       the subject's events and its contacts' events, one recorded event per line, global order
 *   chain-proof.json   per stream, each event's revision, id, hash and prevHash
 *   documents/…        every stored signed PDF of the subject (when the documents store exists)
 *   jwks.json          the ledger's public keys
 *   manifest.json      each file's SHA-256 and size
 *   manifest.jws       the manifest, signed by the ledger (compact JWS, ES256, kid)
 */
export const BUNDLE_FORMAT = 'consent-ledger-evidence/1';

export interface ManifestFile { path: string; sha256: string; bytes: number }
export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  tenantId: string;
  subjectId: string;
  createdAt: string;
  /** The head of the log when the bundle was made. */
  position: string;
  streams: string[];
  files: ManifestFile[];
}

export interface BundleSources { store: EventStore; db: Queryable; keys: KeySet; now: Date }

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function eventLine(e: RecordedEvent): Record<string, unknown> {
  return {
    streamId: e.streamId, revision: e.revision, position: e.position.toString(), id: e.id, type: e.type, data: e.data,
    metadata: e.metadata, recordedAt: e.recordedAt, hash: e.hash, prevHash: e.prevHash,
  };
}

/** The signed PDFs the subject's events name (`documentSha256`), from the documents store when this ledger has one. */
async function storedDocuments(db: Queryable, tenantId: string, events: RecordedEvent[]): Promise<{ name: string; bytes: Uint8Array }[]> {
  const named = new Map<string, string>();
  for (const e of events) {
    const data = e.data as { documentSha256?: unknown; authorizationId?: unknown } | null;
    if (typeof data?.documentSha256 === 'string' && /^[0-9a-f]{64}$/.test(data.documentSha256)) {
      const label = typeof data.authorizationId === 'string' ? data.authorizationId.replace(/[^A-Za-z0-9._-]/g, '_') : data.documentSha256;
      named.set(data.documentSha256, label);
    }
  }
  if (named.size === 0) return [];
  const [table] = await db.query<{ t: string | null }>(`SELECT to_regclass('documents')::text AS t`);
  if (!table?.t) return [];
  const rows = await db.query<{ sha256: string; content: Uint8Array }>(
    'SELECT sha256, content FROM documents WHERE tenant_id = $1 AND sha256 = ANY($2::text[]) ORDER BY sha256', [tenantId, [...named.keys()]],
  );
  return rows.map((r) => ({ name: `${named.get(r.sha256)}-${r.sha256.slice(0, 12)}.pdf`, bytes: new Uint8Array(r.content) }));
}

/** Builds the bundle; `null` when the subject has no events in this tenant. */
export async function buildEvidenceBundle(sources: BundleSources, tenantId: string, subjectId: string): Promise<{ zip: Uint8Array; manifest: Manifest } | null> {
  const subjectStream = subjectStreamId(tenantId, subjectId);
  const subjectEvents = await sources.store.readStream(subjectStream);
  if (subjectEvents.length === 0) return null;
  let state: SubjectState = subjectDecider.initialState();
  for (const e of subjectEvents) state = subjectDecider.evolve(state, fromWireEvent(e.type, e.metadata.schemaVersion, e.data) as never);
  // Every contact the subject ever had: its suppressions are part of what the ledger answered.
  const contactKeys = [...new Set(state.contacts.map((c) => c.contactKey))];
  const streams = [subjectStream, ...contactKeys.map((k) => contactStreamId(tenantId, k))];
  const all: RecordedEvent[] = [...subjectEvents];
  for (const stream of streams.slice(1)) all.push(...(await sources.store.readStream(stream)));
  all.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));

  const files: Record<string, Uint8Array> = {};
  files['events.jsonl'] = strToU8(all.map((e) => `${canonicalJson(eventLine(e))}\n`).join(''));
  files['chain-proof.json'] = strToU8(JSON.stringify({
    streams: streams.map((streamId) => ({
      streamId,
      events: all.filter((e) => e.streamId === streamId).sort((a, b) => a.revision - b.revision)
        .map((e) => ({ revision: e.revision, id: e.id, hash: e.hash, prevHash: e.prevHash })),
    })),
  }, null, 2));
  for (const doc of await storedDocuments(sources.db, tenantId, subjectEvents)) files[`documents/${doc.name}`] = doc.bytes;
  files['jwks.json'] = strToU8(JSON.stringify(sources.keys.publicJwks(), null, 2));

  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    tenantId,
    subjectId,
    createdAt: sources.now.toISOString(),
    position: (await sources.store.headPosition()).toString(),
    streams,
    files: Object.entries(files).map(([path, bytes]) => ({ path, sha256: sha256(bytes), bytes: bytes.length })),
  };
  const manifestBytes = strToU8(canonicalJson(manifest));
  files['manifest.json'] = manifestBytes;
  files['manifest.jws'] = strToU8(await signCompact(sources.keys, MANIFEST_TYPE, manifestBytes));
  // A fixed timestamp keeps the archive a function of its content.
  const zip = zipSync(Object.fromEntries(Object.entries(files).map(([p, b]) => [p, [b, { mtime: new Date('2000-01-01T00:00:00Z') }]])), { level: 6 });
  return { zip, manifest };
}

export interface BundleVerification {
  ok: boolean;
  /** What was checked and found sound. */
  passed: string[];
  /** What failed; empty when ok. */
  failures: string[];
  manifest?: Manifest;
  kid?: string;
}

/**
 * Verifies a bundle offline: the manifest's signature (with the bundle's own JWKS, or a pinned one the auditor got
 * from the ledger), every file's SHA-256, no file beyond the manifest, and every hash chain in events.jsonl against
 * the chain proof. Any altered byte fails.
 */
export async function verifyEvidenceBundle(zip: Uint8Array, options: { jwks?: JSONWebKeySet } = {}): Promise<BundleVerification> {
  const passed: string[] = [];
  const failures: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch {
    return { ok: false, passed, failures: ['the bundle is not a readable zip archive'] };
  }
  for (const required of ['manifest.json', 'manifest.jws', 'jwks.json']) {
    if (!files[required]) failures.push(`${required} is missing`);
  }
  if (failures.length > 0) return { ok: false, passed, failures };
  let jwks: JSONWebKeySet;
  try {
    jwks = options.jwks ?? JSON.parse(strFromU8(files['jwks.json']));
  } catch {
    return { ok: false, passed, failures: ['jwks.json is not JSON'] };
  }
  const signed = await verifyCompact<Manifest>(jwks, MANIFEST_TYPE, strFromU8(files['manifest.jws']).trim());
  if (!signed.valid) return { ok: false, passed, failures: [`the manifest signature does not verify (${signed.reason})`] };
  passed.push(`manifest signature (kid ${signed.kid})`);
  const manifest = signed.payload;
  if (canonicalJson(manifest) !== strFromU8(files['manifest.json'])) failures.push('manifest.json differs from the signed manifest');

  const listed = new Set(manifest.files.map((f) => f.path));
  for (const path of Object.keys(files)) {
    if (!listed.has(path) && path !== 'manifest.json' && path !== 'manifest.jws') failures.push(`${path} is not in the manifest`);
  }
  for (const file of manifest.files) {
    const bytes = files[file.path];
    if (!bytes) failures.push(`${file.path} is missing`);
    else if (sha256(bytes) !== file.sha256 || bytes.length !== file.bytes) failures.push(`${file.path} does not match its SHA-256 in the manifest`);
    else passed.push(`${file.path} sha256`);
  }

  if (files['events.jsonl'] && files['chain-proof.json']) {
    try {
      checkChains(files['events.jsonl'], files['chain-proof.json'], manifest, passed, failures);
    } catch (error) {
      failures.push(`events.jsonl or chain-proof.json cannot be read (${(error as Error).message})`);
    }
  } else {
    failures.push('events.jsonl or chain-proof.json is missing');
  }
  return { ok: failures.length === 0, passed, failures, manifest, kid: signed.kid };
}

function checkChains(eventsFile: Uint8Array, proofFile: Uint8Array, manifest: Manifest, passed: string[], failures: string[]): void {
  const events = strFromU8(eventsFile).split('\n').filter(Boolean).map((line) => JSON.parse(line) as ReturnType<typeof eventLine> & {
    streamId: string; revision: number; id: string; type: string; hash: string; prevHash: string | null;
  });
  const proof = JSON.parse(strFromU8(proofFile)) as { streams: { streamId: string; events: { revision: number; id: string; hash: string; prevHash: string | null }[] }[] };
  for (const streamId of manifest.streams) {
    const stream = events.filter((e) => e.streamId === streamId).sort((a, b) => a.revision - b.revision);
    const proven = proof.streams.find((s) => s.streamId === streamId)?.events ?? [];
    let prev: string | null = null;
    let broken = false;
    stream.forEach((e, i) => {
      if (broken) return;
      const fail = (reason: string) => { failures.push(`${streamId} revision ${e.revision}: ${reason}`); broken = true; };
      if (e.revision !== i) return fail(`revision ${i} is missing`);
      if (e.prevHash !== prev) return fail('prevHash does not match the hash of the previous event');
      const recomputed = eventHash({ streamId: e.streamId, revision: e.revision, id: e.id, type: e.type, data: e.data, metadata: e.metadata }, e.prevHash);
      if (recomputed !== e.hash) return fail('the event does not match its hash: it was altered');
      const p = proven[i];
      if (!p || p.hash !== e.hash || p.prevHash !== e.prevHash || p.id !== e.id) return fail('the chain proof disagrees with the event');
      prev = e.hash;
    });
    if (!broken && proven.length !== stream.length) {
      failures.push(`${streamId}: the chain proof lists ${proven.length} events, events.jsonl ${stream.length}`);
      broken = true;
    }
    if (!broken) passed.push(`${streamId} hash chain (${stream.length} events)`);
  }
}
