/**
 * Instants and calendar dates, without reading the clock. Instants are RFC 3339 strings;
 * they are always compared as parsed milliseconds, never as strings (offsets differ).
 */

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** The value of `length` decimal digits at `at`, or -1 when any of them is not a digit. */
function digitsAt(value: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The canonical UTC forms this ledger writes (`YYYY-MM-DDTHH:MM:SSZ`, `YYYY-MM-DDTHH:MM:SS.sssZ`) read without a
 * regular expression or Date.parse: `evaluate` compares each record's instants, and a scrub makes millions of
 * decisions. Anything else, or a field out of its ordinary range, answers undefined and takes the general path.
 */
function canonicalUtcMs(value: string): number | undefined {
  const length = value.length;
  if ((length !== 20 && length !== 24) || value.charCodeAt(length - 1) !== 90 /* Z */) return undefined;
  if (value[4] !== '-' || value[7] !== '-' || value[10] !== 'T' || value[13] !== ':' || value[16] !== ':') return undefined;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  let ms = 0;
  if (length === 24) {
    if (value[19] !== '.') return undefined;
    ms = digitsAt(value, 20, 3);
  }
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
    || second < 0 || second > 59 || ms < 0) return undefined;
  const leap = month === 2 && (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0));
  if (day > DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)) return undefined;
  return daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil), for years from 1000. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Milliseconds since the epoch, or NaN when the string is not an instant with a zone. */
export function instantMs(value: unknown): number {
  if (typeof value !== 'string') return NaN;
  const canonical = canonicalUtcMs(value);
  if (canonical !== undefined) return canonical;
  // An instant must carry its zone (`Z` or `±hh:mm`); a bare local time is ambiguous.
  return INSTANT.test(value) ? Date.parse(value) : NaN;
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
