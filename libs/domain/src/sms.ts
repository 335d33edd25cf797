/**
 * T1, 47 CFR 64.1200(a)(10) (FCC 24-18): reading an inbound text. A reply that is exactly one of the revocation
 * words revokes; a reply that merely contains one goes to a person for review; START / UNSTOP opts back in.
 */

export const SMS_OPT_OUT_KEYWORDS = ['STOP', 'QUIT', 'END', 'REVOKE', 'OPT OUT', 'CANCEL', 'UNSUBSCRIBE'] as const;
export const SMS_OPT_IN_KEYWORDS = ['START', 'UNSTOP'] as const;

export type SmsKeywordKind = 'opt-out' | 'opt-in' | 'review' | 'none';

export interface SmsKeyword {
  kind: SmsKeywordKind;
  /** The keyword matched, in its canonical form (`OPT OUT`). */
  keyword?: string;
}

// Surrounding spaces, punctuation and symbols (`"Stop!!"`, `-- stop.`, `stop 🛑`) are ignored.
const EDGE = /^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu;

/** Upper case, trimmed of surrounding punctuation, inner runs of spaces, dashes and underscores made one space. */
function canonical(body: string): string {
  return body.normalize('NFKC').replace(EDGE, '').replace(/[\s\-_]+/g, ' ').toUpperCase();
}

const containsPattern = (keyword: string) => new RegExp(`(^|[^\\p{L}\\p{N}])${keyword.replace(' ', '[\\s\\-_]*')}($|[^\\p{L}\\p{N}])`, 'iu');
const OPT_OUT_CONTAINED = SMS_OPT_OUT_KEYWORDS.map((k) => [k, containsPattern(k)] as const);

export function parseSmsKeyword(body: unknown): SmsKeyword {
  if (typeof body !== 'string') return { kind: 'none' };
  const whole = canonical(body);
  const optOut = SMS_OPT_OUT_KEYWORDS.find((k) => k === whole);
  if (optOut) return { kind: 'opt-out', keyword: optOut };
  const optIn = SMS_OPT_IN_KEYWORDS.find((k) => k === whole);
  if (optIn) return { kind: 'opt-in', keyword: optIn };
  // A revocation word inside a longer message ("stop by at 3?") may or may not revoke: a person decides.
  const contained = OPT_OUT_CONTAINED.find(([, pattern]) => pattern.test(body.normalize('NFKC')));
  if (contained) return { kind: 'review', keyword: contained[0] };
  return { kind: 'none' };
}
