import {
  EVENT_WIRE_NAMES,
  PERSONAL_DATA_FIELDS,
  contactDecider,
  contactKeyOf,
  fold,
  subjectDecider,
  tenantDecider,
  type ContactCommand,
  type ContactEvent,
  type SubjectCommand,
  type SubjectEvent,
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
import { context, eventsOf, granted, subjectOf } from './support';

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

describe('every event: a stable wire name, a round trip, an evolve, and its personal fields named', () => {
  const at = '2026-11-23T15:00:00Z';
  const phone = '+15551234567';
  const phoneKey = contactKeyOf(phone);
  const grant = granted();
  const part2 = granted({ authorizationId: 'p2', formId: 'part2-consent', purposes: ['treatment'], remuneration: undefined, part2: { tpo: true } });
  const subjectHistory: SubjectEvent[] = [grant, part2];
  const run = (command: SubjectCommand, now = at) => {
    const events = eventsOf(subjectDecider, subjectOf(subjectHistory), command, context(now));
    subjectHistory.push(...events);
    return events;
  };
  run({ type: 'GiveEsignConsent', disclosureVersion: 'v1', demonstratedAccess: true });
  run({ type: 'RecordCopyProvided', authorizationId: 'auth-1', method: 'email' });
  run({ type: 'WithdrawEsignConsent' });
  run({ type: 'SetPreference', purpose: 'marketing', channel: 'email', choice: 'opt-out', source: 'portal' });
  run({ type: 'LinkContact', contactType: 'phone', value: phone, contactKey: phoneKey });
  run({ type: 'UnlinkContact', contactKey: phoneKey });
  run({ type: 'RevokeAuthorization', authorizationId: 'p2', receivedVia: 'phone', receivedAt: at });
  run({ type: 'InvalidateAuthorization', authorizationId: 'p2', defect: 'known-false' });
  run({ type: 'RevokeAuthorization', authorizationId: 'auth-1', receivedVia: 'mail', receivedAt: at });
  run({ type: 'ExpireAuthorization', authorizationId: 'auth-1' }, '2027-11-23T00:00:00Z');
  const studyGrant = granted({ authorizationId: 's-1', purposes: ['research'], expiresAt: null, expirationEvent: 'study-closed' });
  subjectHistory.push(studyGrant);
  run({ type: 'RecordExpirationEvent', event: 'study-closed', occurredAt: at });
  run({ type: 'EraseSubject' }, '2040-01-01T00:00:00Z');

  const contactHistory: ContactEvent[] = [];
  const runContact = (command: ContactCommand) => {
    const state = fold(contactDecider, contactDecider.initialState(), contactHistory);
    contactHistory.push(...eventsOf(contactDecider, state, command, context(at)));
  };
  runContact({ type: 'RecordInboundSms', from: phone, contactKey: phoneKey, body: 'STOP', receivedAt: at });
  runContact({ type: 'RecordInboundSms', from: phone, contactKey: phoneKey, body: 'START', receivedAt: at });
  runContact({ type: 'RecordInboundSms', from: phone, contactKey: phoneKey, body: 'stop by at 3?', receivedAt: at });
  runContact({ type: 'ResolveSmsReview', reviewId: 'id-1', outcome: 'none' });
  runContact({ type: 'OptOutContact', contactType: 'phone', contactKey: phoneKey, purpose: '*', channel: '*', source: 'bounce' });
  const tenantEvents = eventsOf(tenantDecider, tenantDecider.initialState(), { type: 'ChangeTenantSettings' }, context(at));
  const all: LedgerEvent[] = [...subjectHistory, ...contactHistory, ...tenantEvents];

  it('covers every event type with a sample', () => {
    expect(new Set(all.map((e) => e.type))).toEqual(new Set(Object.keys(EVENT_WIRE_NAMES)));
    expect(new Set(Object.keys(PERSONAL_DATA_FIELDS))).toEqual(new Set(Object.keys(EVENT_WIRE_NAMES)));
  });

  it.each(Object.entries(EVENT_WIRE_NAMES))('%s is %s on the wire and reads back unchanged', (type, wireName) => {
    for (const event of all.filter((e) => e.type === type)) {
      const wire = toWireEvent(event);
      expect(wire.type).toBe(wireName);
      expect(fromWireEvent(wire.type, wire.schemaVersion, JSON.parse(JSON.stringify(wire.data)))).toEqual(event);
    }
  });

  it('evolve folds every event, keeping times and evidence on each new fact', () => {
    const subject = fold(subjectDecider, subjectDecider.initialState(), subjectHistory.map((event, i) => ({ event, recorded: { id: `s-${i}`, position: String(i) } })));
    expect(subject.revision).toBe(subjectHistory.length - 1);
    const p2 = subject.authorizations.find((a) => a.authorizationId === 'p2')!;
    expect(p2.invalidation).toMatchObject({ defect: 'known-false', effectiveAt: at, recordedAt: at, evidence: { eventId: expect.any(String) } });
    expect(subject.authorizations.find((a) => a.authorizationId === 'auth-1')!.copies[0]).toMatchObject({ method: 'email', effectiveAt: at, recordedAt: at, evidence: expect.any(Object) });
    expect(subject.esignConsents.map((f) => [f.action, f.effectiveAt, f.recordedAt, f.evidence !== null])).toEqual([
      ['given', at, at, true],
      ['withdrawn', at, at, true],
    ]);
    expect(subject.erasure).toMatchObject({ effectiveAt: '2040-01-01T00:00:00Z', evidence: expect.any(Object) });
    const contact = fold(contactDecider, contactDecider.initialState(), contactHistory.map((event, i) => ({ event, recorded: { id: `c-${i}`, position: String(i) } })));
    expect(contact.reviews).toEqual([
      expect.objectContaining({ reviewId: 'id-1', effectiveAt: at, recordedAt: at, evidence: { eventId: 'c-2', position: '2' }, resolution: expect.objectContaining({ outcome: 'none', evidence: { eventId: 'c-3', position: '3' } }) }),
    ]);
  });

  it('names the personal fields of each event (what erasure encrypts), and they exist in the samples', () => {
    const valueAt = (data: unknown, path: string) => path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], data);
    expect(PERSONAL_DATA_FIELDS.ContactPointLinked).toEqual(['value']);
    expect(PERSONAL_DATA_FIELDS.SmsReviewRequested).toEqual(['body']);
    const review = all.find((e) => e.type === 'SmsReviewRequested')!;
    expect(valueAt(review.data, 'body')).toBe('stop by at 3?');
    expect(valueAt(grant.data, 'signature.signerName')).toBe('Jane Doe');
    // Contact-stream events never hold the number itself.
    expect(JSON.stringify(contactHistory.filter((e) => e.type !== 'SmsReviewRequested'))).not.toContain('5551234567');
  });
});
