import { CHANNELS, contactKeyOf, type Decision, precomputedQuestion, PURPOSES } from '@app/domain';
import { EligibilityReadModel, Projector } from '@app/projections';
import { decide } from '../../src/eligibility/check/check.handler';
import { EligibilityStates } from '../../src/eligibility/eligibility-states';
import { LedgerStreams } from '../../src/ledger/ledger-streams';
import { randomHistory, type History } from '../../../../test/support/history';
import { startLedger, type TestLedger } from '../../../../test/support/ledger';

const summary = (d: Decision) => ({ decision: d.decision, reasons: d.reasons.map((r) => r.code), basis: d.basis?.authorizationId ?? null });

/**
 * The live path (read models) and the audit path (folding the streams) feed the same `evaluate`; over a randomized
 * 10,000-event history they must answer the same for every subject, purpose and channel — for a check and a scrub.
 */
describe('read model and stream fold agree', () => {
  let ledger: TestLedger;
  let history: History;
  let token: string;

  beforeAll(async () => {
    // The history is written first and projected after, in big batches: the same answers, a shorter test.
    ledger = await startLedger({ backend: 'postgres', env: { LEDGER_ROLES: 'api', PROJECTOR_BATCH_SIZE: '2000' } });
    token = await ledger.token('acme');
    history = await randomHistory(ledger.app.get(LedgerStreams), ledger.clock, 'acme', { seed: 2026, events: 10_000, subjects: 200 });
    const head = await ledger.store.headPosition();
    const projector = ledger.app.get(Projector);
    await projector.ensureCheckpoints();
    await projector.catchUp();
    expect(await projector.checkpoint('eligibility')).toBe(head);
  }, 300_000);
  afterAll(() => ledger.close());

  it('for every subject, purpose and channel, by subject and by address', async () => {
    const states = ledger.app.get(EligibilityStates);
    const now = ledger.clock.now().toISOString();
    let compared = 0;
    const denials = new Set<string>();
    for (const subjectId of history.subjects) {
      const fromReadModel = await states.load('read-model', 'acme', [subjectId], []);
      const fromStreams = await states.load('streams', 'acme', [subjectId], []);
      for (const purpose of PURPOSES) {
        for (const channel of CHANNELS) {
          const live = decide(fromReadModel, subjectId, undefined, { channel, purpose }, now, now);
          const audit = decide(fromStreams, subjectId, undefined, { channel, purpose }, now, now);
          expect({ subjectId, purpose, channel, ...summary(live) }).toEqual({ subjectId, purpose, channel, ...summary(audit) });
          live.reasons.forEach((r) => denials.add(r.code));
          compared++;
        }
      }
    }
    for (const value of [...history.emails, ...history.phones]) {
      const key = contactKeyOf(value);
      const fromReadModel = await states.load('read-model', 'acme', [], [key]);
      const fromStreams = await states.load('streams', 'acme', [], [key]);
      for (const purpose of PURPOSES) {
        for (const channel of CHANNELS) {
          expect(summary(decide(fromReadModel, undefined, key, { channel, purpose }, now, now)))
            .toEqual(summary(decide(fromStreams, undefined, key, { channel, purpose }, now, now)));
          compared++;
        }
      }
    }
    expect(compared).toBe((history.subjects.length + history.emails.length + history.phones.length) * 30);
    // The history reaches the interesting answers, so agreement is not agreement on nothing.
    for (const code of ['AUTHORIZED', 'AUTHORIZATION_REVOKED', 'AUTHORIZATION_EXPIRED', 'OPTED_OUT', 'CONTACT_OPTED_OUT', 'CONTACT_UNDELIVERABLE', 'TREATMENT_EXEMPT']) {
      expect(denials).toContain(code);
    }
  });

  it('the scrub answers each line as the stream fold does, by subject and by address', async () => {
    const states = ledger.app.get(EligibilityStates);
    const now = ledger.clock.now().toISOString();
    // A line per subject, then (on email) a line per address alone.
    const bySubject = history.subjects.map((subjectId) => ({ line: `${subjectId},`, subjectId, key: undefined as string | undefined }));
    const byAddress = history.emails.map((email) => ({ line: `,${email}`, subjectId: undefined, key: contactKeyOf(email) }));
    const folded = new Map<string, Awaited<ReturnType<EligibilityStates['load']>>>();
    for (const a of [...bySubject, ...byAddress]) {
      folded.set(a.line, await states.load('streams', 'acme', a.subjectId ? [a.subjectId] : [], a.key ? [a.key] : []));
    }
    // Which lines the scrub decided from the states rather than from the precomputed answers.
    const fromStates = jest.spyOn(EligibilityStates.prototype, 'load');
    let stored = 0;
    let compared = 0;
    for (const purpose of PURPOSES) {
      for (const channel of CHANNELS) {
        const asked = channel === 'email' ? [...bySubject, ...byAddress] : bySubject;
        fromStates.mockClear();
        const response = await ledger.app.inject({
          method: 'POST', url: `/v1/eligibility/scrub?channel=${channel}&purpose=${purpose}`,
          payload: ['subjectId,email', ...asked.map((a) => a.line)].join('\n'),
          headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        });
        expect(response.statusCode).toBe(200);
        const decidedFromStates = fromStates.mock.calls.flatMap((call) => [...call[2], ...call[3]]).length;
        if (precomputedQuestion({ purpose, channel }) < 0) expect(decidedFromStates).toBe(asked.length);
        stored += asked.length - decidedFromStates;
        compared += asked.length;
        const lines = response.body.trim().split('\n').slice(1);
        expect(lines).toHaveLength(asked.length);
        for (const [i, { line, subjectId, key }] of asked.entries()) {
          const expected = decide(folded.get(line)!, subjectId, key, { channel, purpose }, now, now);
          expect(lines[i]).toBe(`${line},${expected.decision},${expected.reasons.map((r) => r.code).join('|')}`);
        }
      }
    }
    fromStates.mockRestore();
    // Most lines of the precomputed questions were answered from the stored answers (the rest hold facts whose
    // instants have passed: an expiry no event has recorded): it is those answers that were compared.
    const kept = PURPOSES.filter((purpose) => precomputedQuestion({ purpose, channel: 'email' }) >= 0).length / PURPOSES.length;
    expect(stored).toBeGreaterThan(compared * kept * 0.75);
  });

  it('concurrent single checks, which share read-model statements, each answer as the stream fold does', async () => {
    const states = ledger.app.get(EligibilityStates);
    const readModel = ledger.app.get(EligibilityReadModel);
    const statements = jest.spyOn(readModel, 'snapshot');
    try {
      for (const [purpose, channel] of [['marketing', 'email'], ['fundraising', 'sms'], ['treatment', 'voice']] as const) {
        const questions = [
          ...history.subjects.map((subjectId) => ({ subjectId })),
          ...history.emails.slice(0, 50).map((value) => ({ contact: { type: 'email', value } })),
        ];
        statements.mockClear();
        const answers = await Promise.all(questions.map((q) => ledger.app.inject({
          method: 'POST', url: '/v1/eligibility/check', payload: { ...q, purpose, channel },
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        })));
        // Asked all at once, the checks shared statements (fewer statements than checks) ...
        expect(statements.mock.calls.length).toBeLessThan(questions.length);
        const now = ledger.clock.now().toISOString();
        for (const [i, q] of questions.entries()) {
          expect(answers[i].statusCode).toBe(200);
          const body = answers[i].json();
          // ... and each answers for its own subject or address, as its own fold does.
          const subjectId = 'subjectId' in q ? q.subjectId : undefined;
          const key = 'contact' in q ? contactKeyOf(q.contact.value) : undefined;
          const folded = await states.load('streams', 'acme', subjectId ? [subjectId] : [], key ? [key] : []);
          const expected = decide(folded, subjectId, key, { channel, purpose, contactKey: key }, now, now);
          expect({ q, decision: body.decision, reasons: body.reasons.map((r: { code: string }) => r.code) })
            .toEqual({ q, decision: expected.decision, reasons: expected.reasons.map((r) => r.code) });
          expect(BigInt(body.position)).toBe(await ledger.store.headPosition());
        }
      }
    } finally {
      statements.mockRestore();
    }
  });
});
