import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * An encrypted personal value as stored in an event payload. It is a string that stands where the plaintext string
 * stood (`"$enc:v1:<kid>:<iv>:<ct>"`, base64url segments), so every reader that folds the events with the domain's
 * `evolve` keeps the payload's types: `string` stays `string`, `string[]` stays `string[]`, and a presence test such
 * as H3's "the authorization states the remuneration" answers the same for the sealed value as for the plaintext.
 * `parseEnvelope` gives the object form `{ $enc, kid, iv, ct }`.
 */
export const ENVELOPE_VERSION = 'v1';
const PREFIX = `$enc:${ENVELOPE_VERSION}:`;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Envelope {
  $enc: typeof ENVELOPE_VERSION;
  /** The data key's id (`subject_data_keys.kid` / `contact_data_keys.kid`). */
  kid: string;
  /** base64url, 12 bytes. */
  iv: string;
  /** base64url of the AES-256-GCM ciphertext followed by its 16-byte tag. */
  ct: string;
}

export function isEnvelope(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX) && parseEnvelope(value) !== null;
}

export function parseEnvelope(value: string): Envelope | null {
  if (!value.startsWith(PREFIX)) return null;
  const parts = value.slice(PREFIX.length).split(':');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return null;
  const [kid, iv, ct] = parts;
  return { $enc: ENVELOPE_VERSION, kid, iv, ct };
}

export function formatEnvelope(envelope: Omit<Envelope, '$enc'>): string {
  return `${PREFIX}${envelope.kid}:${envelope.iv}:${envelope.ct}`;
}

/** AES-256-GCM; `aad` binds the ciphertext to its key, tenant, owner and field so it cannot be moved elsewhere. */
export function sealValue(key: Buffer, kid: string, aad: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return formatEnvelope({ kid, iv: iv.toString('base64url'), ct: ct.toString('base64url') });
}

/** Throws when the key or the associated data do not match (a tampered or misplaced value). */
export function openValue(key: Buffer, envelope: Envelope, aad: string): string {
  const iv = Buffer.from(envelope.iv, 'base64url');
  const body = Buffer.from(envelope.ct, 'base64url');
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new Error('malformed personal-data envelope');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
}

/** Wrap a data key under the master key (AES-256-GCM): iv (12) | tag (16) | ciphertext (32). */
export function wrapKey(master: Buffer, dataKey: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', master, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]);
}

export function unwrapKey(master: Buffer, wrapped: Buffer, aad: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', master, wrapped.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(wrapped.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}
