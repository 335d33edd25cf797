/**
 * Instants and calendar dates, without reading the clock. Instants are RFC 3339 strings;
 * they are always compared as parsed milliseconds, never as strings (offsets differ).
 */

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Instants parsed lately: `evaluate` compares the same few instants (asOf, knownAt, each record's times) many times
 * per decision, and a scrub makes millions of decisions. Bounded; emptied when full.
 */
const parsed = new Map<string, number>();
const PARSED_KEPT = 8_192;

/** Milliseconds since the epoch, or NaN when the string is not an instant with a zone. */
export function instantMs(value: unknown): number {
  if (typeof value !== 'string') return NaN;
  const known = parsed.get(value);
  if (known !== undefined) return known;
  // An instant must carry its zone (`Z` or `±hh:mm`); a bare local time is ambiguous.
  const ms = INSTANT.test(value) ? Date.parse(value) : NaN;
  if (parsed.size >= PARSED_KEPT) parsed.clear();
  parsed.set(value, ms);
  return ms;
}

export function isInstant(value: unknown): value is string {
  return !Number.isNaN(instantMs(value));
}

/** Canonical UTC form, without a millisecond part when it is zero: `2026-07-01T04:00:00Z`. */
export function formatInstant(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

export function addMs(instant: string, ms: number): string {
  return formatInstant(instantMs(instant) + ms);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date `YYYY-MM-DD`. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone.length === 0) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The calendar date (as a comparable number yyyymmdd) of an instant in a zone. */
function localDateNumber(ms: number, timeZone: string): number {
  let y = 0;
  let m = 0;
  let d = 0;
  for (const part of formatterFor(timeZone).formatToParts(ms)) {
    if (part.type === 'year') y = Number(part.value);
    else if (part.type === 'month') m = Number(part.value);
    else if (part.type === 'day') d = Number(part.value);
  }
  return y * 10000 + m * 100 + d;
}

/**
 * H13: a date-only expiry lasts through the end of that day in the tenant's zone. Returns the
 * first instant of the following day there; the authorization is active strictly before it.
 * Searches for the instant rather than assuming midnight exists, so DST changes (including
 * zones that skip midnight) give the right answer.
 */
export function endOfDayInZone(date: string, timeZone: string): string {
  const m = DATE.exec(date);
  if (!m || !isCalendarDate(date)) throw new RangeError('not a calendar date (YYYY-MM-DD)');
  const nextUtcMidnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1);
  const next = new Date(nextUtcMidnight);
  const target = next.getUTCFullYear() * 10000 + (next.getUTCMonth() + 1) * 100 + next.getUTCDate();
  // UTC offsets lie within [-12h, +14h]: the answer is inside this window.
  let lo = nextUtcMidnight - 15 * 3600_000; // local date still before `target`
  let hi = nextUtcMidnight + 13 * 3600_000; // local date already `target`
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDateNumber(mid, timeZone) >= target) hi = mid;
    else lo = mid;
  }
  return formatInstant(hi);
}
