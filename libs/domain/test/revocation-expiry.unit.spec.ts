import { contactKeyOf, evaluate, findAuthorization, subjectDecider, authorizationStatusAt, type SubjectEvent } from '../src';
import { T0, context, givenSubject, granted, subjectOf } from './support';

const LATER = '2026-12-01T09:00:00Z';
const NOW = '2026-12-01T09:05:00Z';
const grant = granted();

describe('H9 — a written revocation is effective on receipt, never retroactively', () => {
  it.each(['portal', 'mail', 'email', 'fax'] as const)('revokes on a written request received by %s', (receivedVia) => {
    givenSubject([grant])
      .when({ type: 'RevokeAuthorization', authorizationId: 'auth-1', receivedVia, receivedAt: LATER, note: null }, context(NOW))
      .then([
        {
          type: 'AuthorizationRevoked',
          data: { authorizationId: 'auth-1', receivedVia, note: null, effectiveAt: LATER, recordedAt: NOW },
        },
      ]);
  });

  it('keeps decisions before receipt as ALLOW and denies from receipt on', () => {
    const revoked = givenSubject([grant])
      .when({ type: 'RevokeAuthorization', authorizationId: 'auth-1', receivedVia: 'mail', receivedAt: LATER }, context(NOW))
      .events();
    const state = subjectOf([grant, ...revoked]);
    const request = { channel: 'email' as const, purpose: 'marketing' as const };
    expect(evaluate(state, [], request, '2026-12-01T08:59:59.999Z', NOW).decision).toBe('ALLOW');
    const after = evaluate(state, [], request, LATER, NOW);
    expect(after.decision).toBe('DENY');
    expect(after.reasons.map((r) => r.code)).toEqual(['NO_AUTHORIZATION', 'AUTHORIZATION_REVOKED']);
    expect(after.evidence).toEqual(expect.arrayContaining(['sub-1', 'sub-2']));
  });

  it('appends nothing for a second revocation; the first keeps its evidence', () => {
    const first = givenSubject([grant])
      .when({ type: 'RevokeAuthorization', authorizationId: 'auth-1', receivedVia: 'portal', receivedAt: LATER }, context(NOW))
      .events();
    const again = givenSubject([grant, ...first]);
    again
      .when({ type: 'RevokeAuthorization', authorizationId: 'auth-1', receivedVia: 'fax', receivedAt: NOW, note: 'again' }, context(NOW))
      .thenNothing();
    expect(findAuthorization(again.state, 'auth-1')?.revocation).toEqual({
      receivedVia: 'portal',
      note: null,
      effectiveAt: LATER,
      recordedAt: NOW,
      evidence: { eventId: 'ev-2', position: '2' },
    });
  });

  it('answers AuthorizationNotFound for an unknown authorization', () => {
    givenSubject([grant])
      .when({ type: 'RevokeAuthorization', authorizationId: 'nope', receivedVia: 'portal', receivedAt: LATER }, context(NOW))
      .thenError({ code: 'AuthorizationNotFound', authorizationId: 'nope' });
  });
});

describe('H9 — an oral request opts out at once and leaves the authorization awaiting a written revocation', () => {
  const oral = (receivedVia: 'phone' | 'in-person') =>
    givenSubject([grant])
      .when({ type: 'RevokeAuthorization', authorizationId: 'auth-1', receivedVia, receivedAt: LATER }, context(NOW))
      .events();

  it.each(['phone', 'in-person'] as const)('records a %s request and an opt-out per purpose and channel', (receivedVia) => {
    expect(oral(receivedVia)).toEqual([
      { type: 'AuthorizationRevocationRequested', data: { authorizationId: 'auth-1', receivedVia, note: null, effectiveAt: LATER, recordedAt: NOW } },
      { type: 'PreferenceSet', data: { purpose: 'marketing', channel: 'email', choice: 'opt-out', source: receivedVia, effectiveAt: LATER, recordedAt: NOW } },
      { type: 'PreferenceSet', data: { purpose: 'marketing', channel: 'sms', choice: 'opt-out', source: receivedVia, effectiveAt: LATER, recordedAt: NOW } },
    ]);
  });

  it('keeps the authorization in force but denies through the opt-out, from receipt only', () => {
    const state = subjectOf([grant, ...oral('phone')]);
    const record = findAuthorization(state, 'auth-1')!;
    expect(authorizationStatusAt(record, LATER, NOW)).toBe('revocation-requested');
    const request = { channel: 'sms' as const, purpose: 'marketing' as const };
    expect(evaluate(state, [], request, '2026-12-01T08:00:00Z', NOW).decision).toBe('ALLOW');
    const after = evaluate(state, [], request, LATER, NOW);
    expect(after.reasons.map((r) => r.code)).toEqual(['OPTED_OUT']);
  });

  it('appends nothing for a repeated oral request', () => {
    givenSubject([grant, ...oral('phone')])
      .when({ type: 'RevokeAuthorization', authorizationId: 'auth-1', receivedVia: 'in-person', receivedAt: NOW }, context(NOW))
      .thenNothing();
  });

  it('is completed by a later written revocation, effective at the written receipt', () => {
    const written = '2026-12-05T10:00:00Z';
    const given = givenSubject([grant, ...oral('phone')]);
    given
      .when({ type: 'RevokeAuthorization', authorizationId: 'auth-1', receivedVia: 'mail', receivedAt: written }, context(written))
      .then([
        { type: 'AuthorizationRevoked', data: { authorizationId: 'auth-1', receivedVia: 'mail', note: null, effectiveAt: written, recordedAt: written } },
      ]);
  });

  it('appends nothing for an oral request after a written revocation', () => {
    const revoked = givenSubject([grant])
      .when({ type: 'RevokeAuthorization', authorizationId: 'auth-1', receivedVia: 'email', receivedAt: LATER }, context(NOW))
      .events();
    givenSubject([grant, ...revoked])
      .when({ type: 'RevokeAuthorization', authorizationId: 'auth-1', receivedVia: 'phone', receivedAt: NOW }, context(NOW))
      .thenNothing();
  });
});

describe('H13 — expiry by date is recorded at the expiry instant, idempotently', () => {
  const expiresAt = '2027-11-23T00:00:00Z';

  it('appends nothing before the expiry instant', () => {
    givenSubject([grant]).when({ type: 'ExpireAuthorization', authorizationId: 'auth-1' }, context('2027-11-22T23:59:59Z')).thenNothing();
  });

  it('expires at the expiry instant, effective then', () => {
    givenSubject([grant])
      .when({ type: 'ExpireAuthorization', authorizationId: 'auth-1' }, context('2027-11-23T00:00:05Z'))
      .then([
        {
          type: 'AuthorizationExpired',
          data: { authorizationId: 'auth-1', reason: 'date', expirationEvent: null, effectiveAt: expiresAt, recordedAt: '2027-11-23T00:00:05Z' },
        },
      ]);
  });

  it('appends nothing when repeated', () => {
    const expired = givenSubject([grant]).when({ type: 'ExpireAuthorization', authorizationId: 'auth-1' }, context(expiresAt)).events();
    givenSubject([grant, ...expired]).when({ type: 'ExpireAuthorization', authorizationId: 'auth-1' }, context('2027-12-01T00:00:00Z')).thenNothing();
  });

  it('appends nothing once revoked before the expiry', () => {
    const revoked = givenSubject([grant])
      .when({ type: 'RevokeAuthorization', authorizationId: 'auth-1', receivedVia: 'portal', receivedAt: LATER }, context(NOW))
      .events();
    givenSubject([grant, ...revoked]).when({ type: 'ExpireAuthorization', authorizationId: 'auth-1' }, context(expiresAt)).thenNothing();
  });

  it('appends nothing for an authorization that ends only by event', () => {
    const byEvent = granted({ expiresAt: null, expirationEvent: 'study-9-closed' });
    givenSubject([byEvent]).when({ type: 'ExpireAuthorization', authorizationId: 'auth-1' }, context('2099-01-01T00:00:00Z')).thenNothing();
  });
});

describe('H13 — an expiration event ends every authorization naming it, at its occurrence', () => {
  const study = (id: string, extra = {}) => granted({ authorizationId: id, purposes: ['research'], expiresAt: null, expirationEvent: 'study-123-closed', ...extra });
  const occurredAt = '2027-02-01T12:00:00Z';

  it('expires each authorization still in force that names the event', () => {
    const history: SubjectEvent[] = [
      study('r-1'),
      study('r-2'),
      granted({ authorizationId: 'other', expiresAt: null, expirationEvent: 'study-456-closed' }),
      study('r-3', { expiresAt: '2027-01-01T00:00:00Z' }),
    ];
    const now = '2027-02-02T00:00:00Z';
    givenSubject(history)
      .when({ type: 'RecordExpirationEvent', event: 'study-123-closed', occurredAt }, context(now))
      .then(
        ['r-1', 'r-2'].map((authorizationId) => ({
          type: 'AuthorizationExpired' as const,
          data: { authorizationId, reason: 'event' as const, expirationEvent: 'study-123-closed', effectiveAt: occurredAt, recordedAt: now },
        })),
      );
  });

  it('appends nothing when no authorization names the event, or when repeated', () => {
    givenSubject([grant]).when({ type: 'RecordExpirationEvent', event: 'study-123-closed', occurredAt }).thenNothing();
    const first = subjectDecider.decide({ type: 'RecordExpirationEvent', event: 'study-123-closed', occurredAt }, subjectOf([study('r-1')]), context(occurredAt));
    if (!first.ok) throw new Error('unexpected error');
    givenSubject([study('r-1'), ...first.events]).when({ type: 'RecordExpirationEvent', event: 'study-123-closed', occurredAt }).thenNothing();
  });

  it('denies from the occurrence with AUTHORIZATION_EXPIRED', () => {
    const first = subjectDecider.decide({ type: 'RecordExpirationEvent', event: 'study-123-closed', occurredAt }, subjectOf([study('r-1')]), context(occurredAt));
    if (!first.ok) throw new Error('unexpected error');
    const state = subjectOf([study('r-1'), ...first.events]);
    const request = { channel: 'email' as const, purpose: 'research' as const };
    expect(evaluate(state, [], request, '2027-02-01T11:59:59.999Z', occurredAt).decision).toBe('ALLOW');
    expect(evaluate(state, [], request, occurredAt, occurredAt).reasons.map((r) => r.code)).toEqual(['NO_AUTHORIZATION', 'AUTHORIZATION_EXPIRED']);
  });
});

describe('subject contact points', () => {
  const key = 'a'.repeat(64);
  it('rejects a contact key that is not the hash of the value', () => {
    givenSubject().when({ type: 'LinkContact', contactType: 'email', value: 'jane@example.com', contactKey: key }).thenError({ code: 'InvalidCommand', field: 'contactKey' });
  });

  it('links once, unlinks a linked contact, and refuses to unlink one not linked', () => {
    const contactKey = contactKeyOf('jane@example.com');
    const link = { type: 'LinkContact' as const, contactType: 'email' as const, value: 'jane@example.com', contactKey };
    const linked = givenSubject().when(link, context(T0)).events();
    expect(linked).toEqual([{ type: 'ContactPointLinked', data: { contactKey, type: 'email', value: 'jane@example.com', effectiveAt: T0, recordedAt: T0 } }]);
    givenSubject(linked).when(link).thenNothing();
    const unlinked = givenSubject(linked).when({ type: 'UnlinkContact', contactKey }, context(T0)).events();
    expect(unlinked).toEqual([{ type: 'ContactPointUnlinked', data: { contactKey, type: 'email', effectiveAt: T0, recordedAt: T0 } }]);
    givenSubject([...linked, ...unlinked]).when({ type: 'UnlinkContact', contactKey }).thenError({ code: 'ContactNotLinked' });
  });
});
