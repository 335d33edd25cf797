/**
 * `instantMs` reads the canonical UTC forms without Date.parse; whatever the string, it must answer what the
 * definition answers: an RFC 3339 instant with a zone, parsed by Date.parse, or NaN (fast-check).
 */
import fc from 'fast-check';
import { instantMs } from '../src';

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
const definition = (value: string): number => (INSTANT.test(value) ? Date.parse(value) : NaN);

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Strings shaped like instants, each field allowed out of its range, with or without milliseconds, in any zone. */
const nearInstant = fc.record({
  year: fc.integer({ min: 0, max: 9999 }),
  month: fc.integer({ min: 0, max: 19 }),
  day: fc.integer({ min: 0, max: 39 }),
  hour: fc.integer({ min: 0, max: 29 }),
  minute: fc.integer({ min: 0, max: 69 }),
  second: fc.integer({ min: 0, max: 69 }),
  fraction: fc.option(fc.stringMatching(/^\d{1,9}$/)),
  zone: fc.constantFrom('Z', 'z', '+00:00', '-05:30', '+14:00', ''),
}).map(({ year, month, day, hour, minute, second, fraction, zone }) =>
  `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction === null ? '' : `.${fraction}`}${zone}`);

describe('instantMs', () => {
  it('reads every instant the ledger writes (toISOString, and without milliseconds) as its time', () => {
    fc.assert(fc.property(fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (date) => {
      const iso = date.toISOString();
      expect(instantMs(iso)).toBe(date.getTime());
      expect(instantMs(`${iso.slice(0, 19)}Z`)).toBe(Math.floor(date.getTime() / 1000) * 1000);
    }), { numRuns: 5000 });
  });

  it('answers what the definition answers for strings shaped like instants, valid or not', () => {
    fc.assert(fc.property(nearInstant, (value) => {
      expect(instantMs(value)).toBe(definition(value));
    }), { numRuns: 20_000 });
  });

  it('answers what the definition answers for any string, and NaN for what is not a string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }), (value) => {
      expect(instantMs(value)).toBe(definition(value));
    }));
    for (const value of [undefined, null, 0, 1_790_000_000_000, {}, new Date()]) expect(instantMs(value)).toBeNaN();
  });

  it('reads leap days and the ends of months as Date.parse does', () => {
    for (const value of ['2024-02-29T12:00:00.000Z', '2023-02-29T12:00:00.000Z', '2000-02-29T00:00:00Z', '1900-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z', '2026-12-31T23:59:59.999Z', '1000-01-01T00:00:00.000Z']) {
      expect(instantMs(value)).toBe(definition(value));
    }
  });
});
