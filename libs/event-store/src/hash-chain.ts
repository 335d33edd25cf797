import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted (by UTF-16 code units) and no whitespace: one text per value, so a
 * hash computed at append time can be recomputed from the stored jsonb. Follows JSON.stringify
 * (undefined members dropped, toJSON honoured) but refuses NaN, Infinity and bigint, which JSON
 * cannot carry faithfully.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot hash a non-finite number (${value})`);
      return JSON.stringify(value);
    case 'object': {
      const withJson = value as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return canonicalJson(withJson.toJSON());
      if (Array.isArray(value)) {
        return `[${value.map((item) => (isOmitted(item) ? 'null' : canonicalJson(item))).join(',')}]`;
      }
      const record = value as Record<string, unknown>;
      const members = Object.keys(record)
        .sort()
        .filter((key) => !isOmitted(record[key]))
        .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`cannot represent a ${typeof value} in JSON`);
  }
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

export interface ChainedContent {
  streamId: string;
  revision: number;
  id: string;
  type: string;
  data: unknown;
  metadata: unknown;
}

/** hash = SHA-256 hex of canonicalJson({streamId, revision, id, type, data, metadata}) followed by prevHash ('' for the first). */
export function eventHash(content: ChainedContent, prevHash: string | null): string {
  const { streamId, revision, id, type, data, metadata } = content;
  return sha256Hex(canonicalJson({ streamId, revision, id, type, data, metadata }) + (prevHash ?? ''));
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
