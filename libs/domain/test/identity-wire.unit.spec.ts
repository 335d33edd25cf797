import {
  EVENT_WIRE_NAMES,
  contactKeyOf,
  contactStreamId,
  fromWireEvent,
  normaliseEmail,
  normalisePhone,
  subjectStreamId,
  tenantStreamId,
  toWireEvent,
  type LedgerEvent,
  type UpcasterRegistry,
} from '../src';
import { granted } from './support';

describe('identity', () => {
  it('names the streams', () => {
    expect(subjectStreamId('acme', 'p-1001')).toBe('subject-acme-p-1001');
    expect(contactStreamId('acme', 'ab12')).toBe('contact-acme-ab12');
    expect(tenantStreamId('acme')).toBe('tenant-acme');
  });

  it('never lets two tenants name the same stream, whatever dashes their ids hold', () => {
    expect(subjectStreamId('a-b', 'c')).not.toBe(subjectStreamId('a', 'b-c'));
    expect(subjectStreamId('a-b', 'c')).toBe('subject-a%2Db-c');
    expect(contactStreamId('a-b', 'k')).toBe('contact-a%2Db-k');
  });

  it.each([
    ['  Jane.Doe+news@Example.COM ', 'jane.doe+news@example.com'],
    ['a@b.co', 'a@b.co'],
    ['no-at-sign', null],
    ['two@@example.com', null],
    ['a@localhost', null],
    ['.a@example.com', null],
    ['a..b@example.com', null],
    ['a@-example.com', null],
    ['a b@example.com', null],
    ['', null],
  ])('normaliseEmail(%j) = %j', (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });

  it.each([
    ['+1 (555) 123-4567', '+15551234567'],
    ['+44.20.7946.0958', '+442079460958'],
    ['+1234567', null],
    ['+1234567890123456', null],
    ['5551234567', null],
    ['+1 555 CALL NOW', null],
  ])('normalisePhone(%j) = %j', (input, expected) => {
    expect(normalisePhone(input)).toBe(expected);
  });

  it('keys a contact by the lower-case hex SHA-256 of its normalised value', () => {
    expect(contactKeyOf('jane@example.com')).toBe('8c87b489ce35cf2e2f39f80e282cb2e804932a56a213983eeeb428407d43b52d');
  });
});

describe('wire names and upcasting', () => {
  const event = granted();

  it('writes the stable versioned wire name and reads it back', () => {
    const wire = toWireEvent(event);
    expect(wire).toEqual({ type: 'consent.authorization-granted.v1', schemaVersion: 1, data: event.data });
    expect(fromWireEvent(wire.type, wire.schemaVersion, wire.data)).toEqual(event);
  });

  it('gives every event a distinct wire name', () => {
    const names = Object.values(EVENT_WIRE_NAMES);
    expect(new Set(names).size).toBe(names.length);
    names.forEach((n) => expect(n).toMatch(/^consent\.[a-z-]+\.v\d+$/));
  });

  it('throws on an unknown wire type or a version from the future', () => {
    expect(() => fromWireEvent('consent.something-else.v1', 1, {})).toThrow(/unknown event type/);
    expect(() => fromWireEvent('consent.preference-set.v1', 2, {})).toThrow(/schema version/);
    expect(() => fromWireEvent('consent.preference-set.v1', 0, {})).toThrow(/no upcaster/);
  });

  it('lifts an old payload through the upcaster chain', () => {
    // A fake v0 of PreferenceSet that stored a boolean instead of the choice.
    const upcasters: UpcasterRegistry = {
      'consent.preference-set.v1': {
        0: ({ optedOut, ...rest }) => ({ ...rest, choice: optedOut ? 'opt-out' : 'opt-in' }),
      },
    };
    const v0 = { purpose: 'marketing', channel: 'email', optedOut: true, source: 'portal', effectiveAt: 't1', recordedAt: 't2' };
    const lifted: LedgerEvent = fromWireEvent('consent.preference-set.v1', 0, v0, upcasters);
    expect(lifted).toEqual({
      type: 'PreferenceSet',
      data: { purpose: 'marketing', channel: 'email', choice: 'opt-out', source: 'portal', effectiveAt: 't1', recordedAt: 't2' },
    });
  });
});
