import {
  CHANNELS, decodeAnswer, encodeAnswer, evaluate, PRECOMPUTED_QUESTIONS, precomputeAnswers, precomputedQuestion, readsTenantSettings,
  type EligibilityRequest, type Purpose, subjectDecider, subjectView,
} from '../src';
import { granted, subjectOf } from './support';

const answerTo = (answers: ReturnType<typeof precomputeAnswers>, purpose: string, channel: string) =>
  decodeAnswer(answers.answers[answers.index.charCodeAt(PRECOMPUTED_QUESTIONS.findIndex((q) => q.purpose === purpose && q.channel === channel && !q.usesPart2Data)) - 48]);

describe('precomputed answers', () => {
  it('keeps every purpose whose answer does not read the tenant, on every channel, with and without Part 2 data', () => {
    expect(readsTenantSettings({ purpose: 'fundraising' })).toBe(true);
    expect(PRECOMPUTED_QUESTIONS).toHaveLength(5 * CHANNELS.length * 2);
    expect(PRECOMPUTED_QUESTIONS.some((q) => q.purpose === 'fundraising')).toBe(false);
    const i = precomputedQuestion({ purpose: 'marketing', channel: 'sms', usesPart2Data: true });
    expect(PRECOMPUTED_QUESTIONS[i]).toEqual({ purpose: 'marketing', channel: 'sms', usesPart2Data: true });
    expect(precomputedQuestion({ purpose: 'marketing', channel: 'sms' })).toBe(precomputedQuestion({ purpose: 'marketing', channel: 'sms', usesPart2Data: false }));
    // Not kept: fundraising (the tenant's notice decides it).
    expect(precomputedQuestion({ purpose: 'fundraising', channel: 'email' })).toBe(-1);
    expect(precomputedQuestion({ channel: 'email', communication: { category: 'fundraising' } })).toBe(-1);
  });

  it('answer a communication classified like its purpose asked alone, and no other', () => {
    const asked = (communication: NonNullable<EligibilityRequest['communication']>, usesPart2Data = false) =>
      precomputedQuestion({ channel: 'sms', communication, usesPart2Data });
    const question = (purpose: Purpose, usesPart2Data = false) => precomputedQuestion({ channel: 'sms', purpose, usesPart2Data });
    for (const category of ['promotion', 'third-party-product', 'newsletter'] as const) {
      expect(asked({ category })).toBe(question('marketing'));
      expect(asked({ category, thirdPartyRemuneration: false })).toBe(question('marketing'));
      // H3: remuneration needs an authorization that states it, which the purpose's answers do not ask for.
      expect(asked({ category, thirdPartyRemuneration: true })).toBe(-1);
      expect(asked({ category, thirdPartyRemuneration: 'cost-related' })).toBe(-1);
    }
    expect(asked({ category: 'promotion' }, true)).toBe(question('marketing', true));
    expect(asked({ category: 'appointment-reminder' })).toBe(question('treatment'));
    expect(asked({ category: 'care-coordination' })).toBe(question('treatment'));
    expect(asked({ category: 'plan-benefits' })).toBe(question('operations'));
    expect(asked({ category: 'research-recruitment' })).toBe(question('research'));
    // Paid care coordination is marketing with remuneration; a refill reminder has its own basis code.
    expect(asked({ category: 'care-coordination', thirdPartyRemuneration: true })).toBe(-1);
    expect(asked({ category: 'refill-reminder' })).toBe(-1);
    expect(asked({ category: 'care-coordination', aboutCurrentlyPrescribedDrug: true })).toBe(-1);
    // H1: a declared exception is the basis of its own answer.
    expect(asked({ category: 'promotion', exception: 'face-to-face' })).toBe(-1);
    expect(precomputedQuestion({ channel: 'sms' })).toBe(-1);
  });

  it('hold from just after the last fact was recorded until the authorization expires, where the answer changes', () => {
    const subject = subjectView(subjectOf([granted({ expiresAt: '2027-11-23T00:00:00Z' })]));
    const answers = precomputeAnswers(subject, undefined, new Map());
    expect(answers.validFrom).toBe('2026-11-23T14:00:00.001Z');
    expect(answers.validUntil).toBe('2027-11-23T00:00:00Z');
    expect(answerTo(answers, 'marketing', 'email')).toEqual({ decision: 'ALLOW', reasons: ['AUTHORIZED'] });
    expect(answerTo(answers, 'marketing', 'voice')).toEqual({ decision: 'DENY', reasons: ['NO_AUTHORIZATION', 'CHANNEL_NOT_COVERED'] });
    const atExpiry = evaluate(subject, [], { purpose: 'marketing', channel: 'email' }, answers.validUntil!, answers.validUntil!);
    expect(encodeAnswer(atExpiry)).toBe('DNO_AUTHORIZATION|AUTHORIZATION_EXPIRED');
  });

  it('of a subject without an expiry hold for good, and a few distinct answers serve every question', () => {
    const answers = precomputeAnswers(subjectView(subjectOf([granted({ expiresAt: null, expirationEvent: 'end of the study' })])), undefined, new Map());
    expect(answers.validUntil).toBeNull();
    expect(answers.index).toHaveLength(PRECOMPUTED_QUESTIONS.length);
    expect(answers.answers.length).toBeLessThan(10);
  });

  it('of a question about nobody (an address the ledger does not know) hold for good', () => {
    const answers = precomputeAnswers(undefined, undefined, new Map());
    expect(answers.validUntil).toBeNull();
    expect(answerTo(answers, 'marketing', 'email')).toEqual({ decision: 'DENY', reasons: ['NO_AUTHORIZATION'] });
    expect(answerTo(answers, 'treatment', 'sms')).toEqual({ decision: 'ALLOW', reasons: ['TREATMENT_EXEMPT'] });
  });

  it('of a subject the ledger does not know (no facts, no contact point) hold for good, whoever it is', () => {
    const unknown = (subjectId: string) => precomputeAnswers(subjectView(subjectDecider.initialState({ subjectId })), undefined, new Map());
    const answers = unknown('p-404');
    expect(answers.validUntil).toBeNull();
    expect({ ...unknown('someone-else'), validFrom: answers.validFrom }).toEqual(answers);
    expect(answerTo(answers, 'marketing', 'email')).toEqual({ decision: 'DENY', reasons: ['NO_AUTHORIZATION', 'UNKNOWN_SUBJECT'] });
    expect(answerTo(answers, 'treatment', 'sms')).toEqual({ decision: 'ALLOW', reasons: ['TREATMENT_EXEMPT'] });
  });
});
