import { hash } from 'node:crypto';

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
      // Plain loops and string concatenation: every event appended and every access-log entry is hashed through here.
      if (Array.isArray(value)) {
        let text = '[';
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          text += (i === 0 ? '' : ',') + (isOmitted(item) ? 'null' : canonicalJson(item));
        }
        return `${text}]`;
      }
      const record = value as Record<string, unknown>;
      let text = '{';
      for (const key of Object.keys(record).sort()) {
        const member = record[key];
        if (isOmitted(member)) continue;
        text += `${text.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
      }
      return `${text}}`;
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

/** SHA-256 of the text's UTF-8 bytes, as hex (one-shot `crypto.hash`: a third of the time of a Hash object). */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}
