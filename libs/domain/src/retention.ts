import { DEFAULT_TENANT_SETTINGS, type TenantSettings } from './events';
import { authorizationEnd, type SubjectState } from './subject';
import { formatInstant, instantMs } from './time';

export const RETENTION_RULE = '45 CFR 164.530(j)(2)';

export interface RetentionHold {
  /** Whether erasure or purge must be refused now. */
  held: boolean;
  /** The instant the hold ends (API.md, Retention); null when nothing is held or the hold has no end yet. */
  retainUntil: string | null;
  /** An authorization still in effect with no end instant: the hold lasts while it is in effect. */
  retainedWhileInEffect: boolean;
}

/** `instant` plus whole calendar years in UTC; 29 February moves to 1 March (never shorter than the years). */
export function addYears(instant: string, years: number): string {
  const d = new Date(instantMs(instant));
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return formatInstant(d.getTime());
}

/**
 * H11, 45 CFR 164.530(j)(2) (and E4 for the signed record): authorizations, revocations and their documents are
 * kept `retentionYears` from creation or from when last in effect, whichever is later. Per authorization the
 * hold ends at the later of its signature and its end (expiry, revocation, invalidation, as known at `now`),
 * plus the tenant's retention years; one still in effect with no end instant holds without an end.
 */
export function retentionHold(subject: SubjectState, settings: TenantSettings | undefined, now: string): RetentionHold {
  const years = settings?.retentionYears ?? DEFAULT_TENANT_SETTINGS.retentionYears;
  const nowMs = instantMs(now);
  let retainUntilMs = -Infinity;
  let retainedWhileInEffect = false;
  for (const record of subject.authorizations) {
    if (instantMs(record.recordedAt) > nowMs) continue;
    const end = authorizationEnd(record, now);
    if (end === null) {
      retainedWhileInEffect = true;
      continue;
    }
    const lastInEffect = Math.max(instantMs(record.signature.signedAt), end.atMs);
    retainUntilMs = Math.max(retainUntilMs, instantMs(addYears(formatInstant(lastInEffect), years)));
  }
  if (retainedWhileInEffect) return { held: true, retainUntil: null, retainedWhileInEffect: true };
  if (retainUntilMs === -Infinity) return { held: false, retainUntil: null, retainedWhileInEffect: false };
  return { held: retainUntilMs > nowMs, retainUntil: formatInstant(retainUntilMs), retainedWhileInEffect: false };
}
