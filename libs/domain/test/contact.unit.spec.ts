import { contactKeyOf, evaluate, type ContactEvent, type OptInContact, type OptOutContact } from '../src';
import { context, contactOf, givenContact } from './support';

const contactKey = contactKeyOf('jane@example.com');
const OUT_AT = '2026-11-23T14:00:00Z';
const NOW = '2026-11-25T09:00:00Z';

const optOut = (over: Partial<OptOutContact> = {}): OptOutContact => ({
  type: 'OptOutContact',
  contactType: 'email',
  contactKey,
  purpose: 'marketing',
  channel: 'email',
  source: 'one-click',
  occurredAt: OUT_AT,
  ...over,
});
const optIn = (over: Partial<OptInContact> = {}): OptInContact => ({
  type: 'OptInContact',
  contactType: 'email',
  contactKey,
  purpose: 'marketing',
  channel: 'email',
  source: 'preference-centre',
  occurredAt: NOW,
  ...over,
});
const optedOut = givenContact().when(optOut(), context(OUT_AT)).events();

describe('C1 — an unsubscribe needs nothing but the address', () => {
  it('records an opt-out for an address no subject is linked to, effective when the person acted', () => {
    givenContact()
      .when(optOut(), context(NOW))
      .then([
        {
          type: 'ContactOptedOut',
          data: { contactKey, type: 'email', purpose: 'marketing', channel: 'email', source: 'one-click', effectiveAt: OUT_AT, recordedAt: NOW },
        },
      ]);
  });

  it('never writes the address itself into the contact stream', () => {
    const events = givenContact().when(optOut({ value: 'jane@example.com' }), context(NOW)).events();
    expect(JSON.stringify(events)).not.toContain('jane@');
  });

  it('records a hard bounce as undeliverable instead of an opt-out', () => {
    givenContact()
      .when(optOut({ source: 'bounce' }), context(NOW))
      .then([{ type: 'ContactUndeliverable', data: { contactKey, type: 'email', source: 'bounce', effectiveAt: OUT_AT, recordedAt: NOW } }]);
  });
});

describe('C6 — re-subscribing after an unsubscribe needs the person’s own act', () => {
  it.each(['import', 'esp-resubscribe'] as const)('refuses an opt-in from %s over an opt-out in force', (source) => {
    givenContact(optedOut).when(optIn({ source }), context(NOW)).thenError({ code: 'ResubscribeRequiresSubjectAction', contactKey });
  });

  it('refuses a bulk opt-in that overlaps a wider opt-out in force', () => {
    const all = givenContact().when(optOut({ purpose: '*', channel: '*' }), context(OUT_AT)).events();
    givenContact(all).when(optIn({ source: 'import' }), context(NOW)).thenError({ code: 'ResubscribeRequiresSubjectAction' });
  });

  it.each(['preference-centre', 'double-opt-in', 'sms-start', 'in-person', 'support', 'portal'] as const)(
    'accepts an opt-in from the person (%s)',
    (source) => {
      const [event] = givenContact(optedOut).when(optIn({ source }), context(NOW)).events();
      expect(event).toMatchObject({ type: 'ContactOptedIn', data: { source, effectiveAt: NOW } });
    },
  );

  it('accepts an import when no opt-out is in force at the opt-in’s occurrence', () => {
    givenContact(optedOut).when(optIn({ source: 'import', occurredAt: '2026-11-01T00:00:00Z' }), context(NOW)).events();
    givenContact().when(optIn({ source: 'esp-resubscribe' }), context(NOW)).events();
  });

  it('an opt-in never lifts undeliverable', () => {
    const bounced = givenContact().when(optOut({ source: 'bounce' }), context(OUT_AT)).events();
    const lifted = givenContact(bounced).when(optIn({ purpose: '*', channel: '*' }), context(NOW)).events();
    const state = contactOf([...bounced, ...lifted]);
    const decision = evaluate(undefined, [state], { channel: 'email', purpose: 'treatment' }, NOW, NOW);
    expect(decision.reasons.map((r) => r.code)).toEqual(['CONTACT_UNDELIVERABLE']);
  });
});

describe('C7 — late reports are ordered by effectiveAt, not by arrival', () => {
  const request = { channel: 'email' as const, purpose: 'marketing' as const };
  const codes = (state: ReturnType<typeof contactOf>, asOf: string, knownAt: string) =>
    evaluate(undefined, [state], request, asOf, knownAt).reasons.map((r) => r.code);

  it('an opt-in that arrives after a later-effective opt-out does not lift it', () => {
    const history: ContactEvent[] = [
      ...givenContact().when(optOut({ occurredAt: '2026-11-20T00:00:00Z' }), context('2026-11-20T00:00:01Z')).events(),
      // The person's own opt-in from the 10th arrives on the 21st.
      ...givenContact().when(optIn({ occurredAt: '2026-11-10T00:00:00Z' }), context('2026-11-21T00:00:00Z')).events(),
    ];
    const state = contactOf(history);
    expect(state.history).toHaveLength(2);
    expect(codes(state, NOW, NOW)).toContain('CONTACT_OPTED_OUT');
  });

  it('an opt-out that arrives late still takes effect from when the person sent it', () => {
    const history: ContactEvent[] = [
      ...givenContact().when(optIn({ occurredAt: '2026-11-10T00:00:00Z' }), context('2026-11-10T00:00:00Z')).events(),
      ...givenContact().when(optOut({ occurredAt: '2026-11-15T00:00:00Z' }), context('2026-11-21T00:00:00Z')).events(),
    ];
    const state = contactOf(history);
    expect(codes(state, '2026-11-16T00:00:00Z', NOW)).toContain('CONTACT_OPTED_OUT');
    expect(codes(state, '2026-11-14T00:00:00Z', NOW)).not.toContain('CONTACT_OPTED_OUT');
    // What the ledger said on the 20th about the 16th: it did not know yet.
    expect(codes(state, '2026-11-16T00:00:00Z', '2026-11-20T00:00:00Z')).not.toContain('CONTACT_OPTED_OUT');
  });
});
