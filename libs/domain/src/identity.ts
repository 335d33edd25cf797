import { hash } from 'node:crypto';

/**
 * The tenant segment of a stream id. A `-` inside a tenant id is escaped (`%2D`) so that tenant `a-b` with subject
 * `c` and tenant `a` with subject `b-c` can never name the same stream.
 */
function tenantSegment(tenantId: string): string {
  return tenantId.replace(/%/g, '%25').replace(/-/g, '%2D');
}

/** Stream of one subject (patient) within a tenant. */
export function subjectStreamId(tenantId: string, subjectId: string): string {
  return `subject-${tenantSegment(tenantId)}-${subjectId}`;
}

/** Stream of one contact point (email address or phone number), keyed by its hash. */
export function contactStreamId(tenantId: string, contactKey: string): string {
  return `contact-${tenantSegment(tenantId)}-${contactKey}`;
}

export function tenantStreamId(tenantId: string): string {
  return `tenant-${tenantSegment(tenantId)}`;
}

const EMAIL_LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LABEL = /^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** Trimmed, lower-cased email, or null when it is not a plausible address. */
export function normaliseEmail(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const email = value.trim().toLowerCase();
  if (email.length > 254) return null;
  const at = email.lastIndexOf('@');
  if (at <= 0 || at !== email.indexOf('@')) return null;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > 64 || !EMAIL_LOCAL.test(local)) return null;
  const labels = domain.split('.');
  if (labels.length < 2) return null;
  if (!labels.every((label) => DOMAIN_LABEL.test(label))) return null;
  return TOP_LABEL.test(labels[labels.length - 1]) ? email : null;
}

const E164 = /^\+[0-9]{8,15}$/;

/** E.164 phone (`+` and 8–15 digits) after stripping spaces, dashes, dots and parentheses; else null. */
export function normalisePhone(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const phone = value.replace(/[\s\-.()]/g, '');
  return E164.test(phone) ? phone : null;
}

/** Lower-case hex SHA-256 of a normalised contact value: the only form that leaves the ledger. */
export function contactKeyOf(normalisedValue: string): string {
  return hash('sha256', normalisedValue, 'hex');
}
