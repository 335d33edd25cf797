import { addMs, instantMs } from './time';

/**
 * C3, 15 U.S.C. 7704(a)(3)(A)(ii) / 16 CFR 316: the unsubscribe mechanism must keep working at least 30 days
 * after the send. Unsubscribe tokens live at least 60 days; an expired token still leads to a page that
 * unsubscribes by address (C1), so expiry never strands the person.
 */
export const UNSUBSCRIBE_MECHANISM_MIN_DAYS = 30;
export const UNSUBSCRIBE_TOKEN_MIN_LIFETIME_DAYS = 60;

const DAY_MS = 86_400_000;

/** The instant an unsubscribe token issued at `issuedAt` stops being accepted; shorter lifetimes are refused. */
export function unsubscribeTokenExpiresAt(issuedAt: string, lifetimeDays: number = UNSUBSCRIBE_TOKEN_MIN_LIFETIME_DAYS): string {
  if (!Number.isFinite(lifetimeDays) || lifetimeDays < UNSUBSCRIBE_TOKEN_MIN_LIFETIME_DAYS) {
    throw new RangeError(`an unsubscribe token lives at least ${UNSUBSCRIBE_TOKEN_MIN_LIFETIME_DAYS} days (C3)`);
  }
  if (Number.isNaN(instantMs(issuedAt))) throw new RangeError('issuedAt is not an instant with a zone');
  return addMs(issuedAt, lifetimeDays * DAY_MS);
}

/** Whether a token issued at `issuedAt` is still accepted at `now`; when not, the page asks for the address. */
export function unsubscribeTokenValid(issuedAt: string, now: string, lifetimeDays: number = UNSUBSCRIBE_TOKEN_MIN_LIFETIME_DAYS): boolean {
  return instantMs(now) < instantMs(unsubscribeTokenExpiresAt(issuedAt, lifetimeDays));
}
