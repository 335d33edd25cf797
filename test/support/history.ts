import {
  CHANNELS, contactDecider, contactKeyOf, contactStreamId, OPT_OUT_SOURCES, PURPOSES, subjectDecider, subjectStreamId,
  tenantDecider, tenantStreamId,
} from '@app/domain';
import type { LedgerStreams } from '../../apps/ledger-api/src/ledger/ledger-streams';
import type { FakeClock } from './ledger';

/** A small seeded generator (mulberry32): the same seed, the same history. */
export function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const some = <T>(items: readonly T[]): T[] => {
    const chosen = items.filter(() => next() < 0.4);
    return chosen.length > 0 ? chosen : [pick(items)];
  };
  return { next, int, pick, some };
}

export interface History { subjects: string[]; emails: string[]; phones: string[]; events: number }

/**
 * Drives a randomized history of at least `events` events through the write path (the deciders, the event store),
 * advancing the fake clock: grants of every shape, written and oral revocations, expiries by date and by event,
 * preferences, links and unlinks, address opt-outs and opt-ins (some late, C7), bounces, tenant settings.
 */
export async function randomHistory(streams: LedgerStreams, clock: FakeClock, tenantId: string, options: { seed: number; events: number; subjects?: number }): Promise<History> {
  const rnd = seeded(options.seed);
  const subjects = Array.from({ length: options.subjects ?? 200 }, (_, i) => `s-${i}`);
  const emails = Array.from({ length: Math.ceil(subjects.length * 0.8) }, (_, i) => `person${i}@example.com`);
  const phones = Array.from({ length: Math.ceil(subjects.length * 0.4) }, (_, i) => `+1555${String(1000000 + i)}`);
  const meta = { tenantId, actor: 'history', correlationId: 'history' };
  const grants = new Map<string, string[]>();
  let appended = 0;
  const run = async (decider: unknown, streamId: string, command: unknown) => {
    const result = await streams.execute(decider as typeof subjectDecider, streamId, command as never, meta);
    if (result.ok) appended += result.events.length;
  };
  while (appended < options.events) {
    clock.advance(rnd.int(3_600_000));
    const now = clock.now().getTime();
    const subjectId = rnd.pick(subjects);
    const subjectStream = subjectStreamId(tenantId, subjectId);
    const roll = rnd.next();
    if (roll < 0.22) {
      const id = `a-${appended}`;
      const remunerated = rnd.next() < 0.4;
      await run(subjectDecider, subjectStream, {
        type: 'GrantAuthorization', subjectId, authorizationId: id, formId: 'hipaa-marketing', formVersion: '2026-01',
        purposes: rnd.some(['marketing', 'research', 'fundraising'] as const), channels: rnd.some(CHANNELS),
        informationDescription: 'Name and services', disclosers: ['Acme'], recipients: ['Acme Marketing'], purposeStatement: 'Offers',
        ...(rnd.next() < 0.7 ? { expiresAt: new Date(now + (1 + rnd.int(30 * 24)) * 3_600_000).toISOString() } : { expirationEvent: rnd.pick(['study-1', 'study-2']) }),
        remuneration: remunerated ? { involved: true, statement: rnd.next() < 0.8 ? 'Paid by a partner' : null } : { involved: false },
        statements: { rightToRevoke: true, noConditioning: true, redisclosure: true },
        signature: { signerName: 'Pat', signedAt: new Date(now - rnd.int(3_600_000)).toISOString(), signerRole: 'self', method: 'typed' },
      });
      grants.set(subjectId, [...(grants.get(subjectId) ?? []), id]);
    } else if (roll < 0.32 && grants.get(subjectId)?.length) {
      await run(subjectDecider, subjectStream, {
        type: 'RevokeAuthorization', authorizationId: rnd.pick(grants.get(subjectId)!),
        receivedVia: rnd.pick(['portal', 'mail', 'email', 'fax', 'phone', 'in-person'] as const),
        // Some revocations are recorded late: received hours before the ledger learns of them.
        receivedAt: new Date(now - (rnd.next() < 0.3 ? rnd.int(6 * 3_600_000) : 0)).toISOString(),
      });
    } else if (roll < 0.36 && grants.get(subjectId)?.length) {
      await run(subjectDecider, subjectStream, { type: 'ExpireAuthorization', authorizationId: rnd.pick(grants.get(subjectId)!) });
    } else if (roll < 0.38) {
      await run(subjectDecider, subjectStream, { type: 'RecordExpirationEvent', event: rnd.pick(['study-1', 'study-2']), occurredAt: new Date(now).toISOString() });
    } else if (roll < 0.52) {
      await run(subjectDecider, subjectStream, {
        type: 'SetPreference', purpose: rnd.pick([...PURPOSES, '*'] as const), channel: rnd.pick([...CHANNELS, '*'] as const),
        choice: rnd.next() < 0.6 ? 'opt-out' : 'opt-in', source: rnd.pick(['portal', 'phone', 'mail', 'in-person'] as const),
      });
    } else if (roll < 0.66) {
      const email = rnd.next() < 0.6;
      const value = email ? rnd.pick(emails) : rnd.pick(phones);
      await run(subjectDecider, subjectStream, { type: 'LinkContact', contactType: email ? 'email' : 'phone', value, contactKey: contactKeyOf(value) });
    } else if (roll < 0.69) {
      const value = rnd.next() < 0.6 ? rnd.pick(emails) : rnd.pick(phones);
      await run(subjectDecider, subjectStream, { type: 'UnlinkContact', contactKey: contactKeyOf(value) });
    } else if (roll < 0.97) {
      const email = rnd.next() < 0.6;
      const value = email ? rnd.pick(emails) : rnd.pick(phones);
      const optOut = rnd.next() < 0.65;
      await run(contactDecider, contactStreamId(tenantId, contactKeyOf(value)), {
        type: optOut ? 'OptOutContact' : 'OptInContact', contactType: email ? 'email' : 'phone', value, contactKey: contactKeyOf(value),
        purpose: rnd.pick([...PURPOSES, '*'] as const), channel: rnd.pick([...CHANNELS, '*'] as const),
        source: optOut ? rnd.pick(OPT_OUT_SOURCES.filter((s) => s !== 'bounce' || rnd.next() < 0.2)) : rnd.pick(['preference-centre', 'double-opt-in', 'sms-start', 'import'] as const),
        // C7: some reports arrive late.
        occurredAt: new Date(now - (rnd.next() < 0.3 ? rnd.int(12 * 3_600_000) : 0)).toISOString(),
      });
    } else {
      await run(tenantDecider, tenantStreamId(tenantId), {
        type: 'ChangeTenantSettings', timeZone: rnd.pick(['UTC', 'America/New_York']), fundraisingStatementInNotice: rnd.next() < 0.5, retentionYears: 6,
      });
    }
  }
  return { subjects, emails, phones, events: appended };
}
