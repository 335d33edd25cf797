import { types } from 'pg';
import { contactKeyOf } from '@app/domain';
import { Projector } from '@app/projections';
import { decide } from '../../src/eligibility/check/check.handler';
import { EligibilityStates } from '../../src/eligibility/eligibility-states';
import { eligibilityRequest } from '../../src/eligibility/scrub/scrub.controller';
import type { ScrubQuery } from '../../src/eligibility/scrub/scrub.request';
import { startLedger, type TestLedger } from '../../../../test/support/ledger';
import { grantBody } from '../fixtures';

/**
 * The scrub reads the precomputed answers (rm_decisions) first and decides the lines they do not answer from the
 * states. Which lines take which path, and that both answer as the stream fold does: when a linked address changes,
 * when the instant an answer holds to has passed, for an address other than the subject's own, and for questions
 * whose answers are not kept.
 */
describe('the scrub on precomputed answers', () => {
  let ledger: TestLedger;
  let token: string;
  let states: EligibilityStates;
  let fromStates: jest.SpyInstance;
  let fromAnswers: jest.SpyInstance;

  const write = async (url: string, body: Record<string, unknown>) => {
    const response = await ledger.request('POST', url, { token, body });
    expect(response.status).toBeLessThan(300);
  };
  /** Projects what was written, then lets a second pass (the answers hold from just after a fact was recorded). */
  const project = async () => {
    await ledger.app.get(Projector).catchUp();
    ledger.clock.advance(1_000);
  };
  /** The scrub's answer lines, each checked against the stream fold; and the subjects it read states for. */
  const scrub = async (query: string, lines: string[]) => {
    fromStates.mockClear();
    fromAnswers.mockClear();
    const response = await ledger.app.inject({
      method: 'POST', url: `/v1/eligibility/scrub?${query}`, payload: ['subjectId,email', ...lines].join('\n'),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    });
    expect(response.statusCode).toBe(200);
    // What the scrub read (before the fold below reads the streams through the same service).
    const readStates = fromStates.mock.calls.flatMap((call) => call[2] as string[]);
    const readAddresses = fromStates.mock.calls.flatMap((call) => call[3] as string[]);
    const readAnswers = fromAnswers.mock.calls.length;
    const answered = response.body.trim().split('\n').slice(1);
    const params = new URLSearchParams(query);
    const request = eligibilityRequest(Object.fromEntries(params) as unknown as ScrubQuery);
    const now = ledger.clock.now().toISOString();
    for (const [i, line] of lines.entries()) {
      const [subjectId, email] = line.split(',');
      const key = email ? contactKeyOf(email) : undefined;
      const folded = await states.load('streams', 'acme', subjectId ? [subjectId] : [], key ? [key] : []);
      const expected = decide(folded, subjectId || undefined, key, request, now, now);
      expect(answered[i]).toBe(`${line},${expected.decision},${expected.reasons.map((r) => r.code).join('|')}`);
    }
    return { answered, readStates, readAddresses, readAnswers };
  };

  beforeAll(async () => {
    ledger = await startLedger({ backend: 'postgres', env: { LEDGER_ROLES: 'api' } });
    token = await ledger.token('acme');
    states = ledger.app.get(EligibilityStates);
    await ledger.app.get(Projector).ensureCheckpoints();
    await write('/v1/subjects/p-1/contacts', { type: 'email', value: 'one@example.com' });
    await write('/v1/subjects/p-1/authorizations', grantBody({ expiresAt: '2026-11-30T00:00:00Z' }));
    await write('/v1/subjects/p-2/contacts', { type: 'email', value: 'two@example.com' });
    await write('/v1/subjects/p-2/authorizations', grantBody({ expiresAt: null, expirationEvent: 'end of the programme' }));
    await write('/v1/subjects/p-3/contacts', { type: 'email', value: 'three-a@example.com' });
    await write('/v1/subjects/p-3/contacts', { type: 'email', value: 'three-b@example.com' });
    await write('/v1/subjects/p-3/authorizations', grantBody());
    await write('/v1/subjects/p-4/authorizations', grantBody());
    await write('/v1/contacts/opt-out', { type: 'email', value: 'known@example.com', purpose: 'research', channel: 'email', source: 'one-click' });
    await project();
    fromStates = jest.spyOn(EligibilityStates.prototype, 'load');
    fromAnswers = jest.spyOn(EligibilityStates.prototype, 'precomputed');
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await ledger.close();
  });

  it('answers a subject, its one address, or an address alone from the stored answers; the rest from the states', async () => {
    const { answered, readStates, readAddresses, readAnswers } = await scrub('channel=email&purpose=marketing', [
      'p-1,', 'p-1,one@example.com', ',known@example.com', 'p-2,two@example.com', 'p-4,new@example.com',
      'p-2,someone@example.com', 'p-3,three-a@example.com', 'p-3,', 'p-404,', 'p-4,known@example.com', ',new@example.com',
      'p-405,new@example.com', 'p-406,known@example.com',
    ]);
    expect(readAnswers).toBe(1);
    // Decided from the states: another address than the subject's own, one of two linked addresses (p-3 with and without
    // it), an address the ledger knows for a subject without one (p-4, and p-406 which the ledger does not know). An
    // address alone that the ledger does not know is a question about nobody, and a subject it does not know, with no
    // address or one it does not know either, a question about a subject with no facts: both answers are kept too.
    expect(readStates.sort()).toEqual(['p-2', 'p-3', 'p-4', 'p-406']);
    expect(readAddresses.sort()).toEqual([contactKeyOf('known@example.com'), contactKeyOf('someone@example.com'), contactKeyOf('three-a@example.com')].sort());
    expect(answered[0]).toBe('p-1,,ALLOW,AUTHORIZED');
    expect(answered[4]).toBe('p-4,new@example.com,ALLOW,AUTHORIZED');
    expect(answered[8]).toBe('p-404,,DENY,NO_AUTHORIZATION|UNKNOWN_SUBJECT');
    expect(answered[10]).toBe(',new@example.com,DENY,NO_AUTHORIZATION');
  });

  it('answers a category classified like its purpose from the stored answers; with remuneration, from the states', async () => {
    const lines = ['p-1,', 'p-2,two@example.com', 'p-404,'];
    const promotion = await scrub('channel=email&category=promotion', lines);
    expect(promotion.readAnswers).toBe(1);
    expect(promotion.readStates).toEqual([]);
    expect(promotion.answered[0]).toBe('p-1,,ALLOW,AUTHORIZED');
    // H3: a paid promotion needs an authorization stating the remuneration, which the purpose's answers do not ask
    // (each line is still checked against the fold by `scrub`).
    const paid = await scrub('channel=email&category=promotion&thirdPartyRemuneration=true', lines);
    expect(paid.readAnswers).toBe(0);
    expect(paid.readStates.sort()).toEqual(['p-1', 'p-2', 'p-404']);
  });

  it('an opt-out recorded on an address changes the stored answers of the subject linked to it', async () => {
    await write('/v1/contacts/opt-out', { type: 'email', value: 'two@example.com', purpose: 'marketing', channel: 'email', source: 'one-click' });
    await project();
    const { answered, readStates } = await scrub('channel=email&purpose=marketing', ['p-2,', 'p-2,two@example.com', ',two@example.com']);
    expect(readStates).toEqual([]);
    expect(answered[0]).toBe('p-2,,DENY,CONTACT_OPTED_OUT');
  });

  it('past the instant an answer holds to (an expiry no event has recorded yet), the line is decided from the states', async () => {
    const before = await scrub('channel=email&purpose=marketing', ['p-1,']);
    expect(before.readStates).toEqual([]);
    ledger.clock.set('2026-11-30T00:00:00Z');
    const after = await scrub('channel=email&purpose=marketing', ['p-1,', 'p-2,']);
    expect(after.readStates).toEqual(['p-1']);
    expect(after.answered[0]).toBe('p-1,,DENY,NO_AUTHORIZATION|AUTHORIZATION_EXPIRED');
  });

  it('a question whose answers are not kept (fundraising, which reads the tenant) is decided from the states', async () => {
    const { readStates, readAnswers } = await scrub('channel=email&purpose=fundraising', ['p-1,', 'p-2,']);
    expect(readAnswers).toBe(0);
    expect(readStates).toEqual(['p-1', 'p-2']);
  });

  it('answers from the stored answers where node-postgres parses int8 as BigInt (as Emmett sets it)', async () => {
    const int8 = types.getTypeParser(types.builtins.INT8);
    types.setTypeParser(types.builtins.INT8, BigInt);
    try {
      const { answered, readStates } = await scrub('channel=email&purpose=marketing', ['p-2,', 'p-3,three-a@example.com']);
      expect(readStates).toEqual(['p-3']);
      expect(answered[0]).toBe('p-2,,DENY,CONTACT_OPTED_OUT');
    } finally {
      types.setTypeParser(types.builtins.INT8, int8);
    }
  });
});
