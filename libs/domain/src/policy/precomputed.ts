import { formatInstant, instantMs } from '../time';
import { CHANNELS, PURPOSES, type Channel, type Purpose } from '../vocabulary';
import { classify, type Classification } from './classify';
import { type Decision, type EligibilityRequest, evaluateConsidering, readsTenantSettings } from './evaluate';
import type { ContactView, SubjectView } from './view';

/**
 * Answers kept ready for the bulk scrub: `evaluate`'s decision and reason codes, for each question below, for one
 * subject (with its linked contact points) or one contact point alone. The read model stores them beside the views, so
 * that a scrub line costs a few bytes read and no decoding or evaluation, and it is still `evaluate` that answered:
 * these are its answers, worked out when the subject or contact point last changed, not a second copy of the rules.
 *
 * An answer depends on time only through the instants its facts carry (`evaluate` compares `asOf` and `knownAt`
 * with them). It holds from just after the last fact was recorded (every fact known) until the next instant any of
 * the facts names (a future `effectiveAt`, an `expiresAt`): in that interval no comparison can change. Past it, the
 * reader asks the states again. The property suite checks this against `evaluate` at random instants.
 */
export interface PrecomputedQuestion {
  purpose: Purpose;
  channel: Channel;
  usesPart2Data: boolean;
}

/** Every purpose whose answer does not read the tenant's settings (fundraising does), on every channel, Part 2 or not. */
export const PRECOMPUTED_QUESTIONS: readonly PrecomputedQuestion[] = Object.freeze(
  PURPOSES.filter((purpose) => !readsTenantSettings({ purpose })).flatMap((purpose) =>
    CHANNELS.flatMap((channel) => [false, true].map((usesPart2Data) => ({ purpose, channel, usesPart2Data })))),
);

/**
 * The position of a question among PRECOMPUTED_QUESTIONS, or -1 when its answer is not kept (fundraising, or a
 * communication that `evaluate` does not answer as it answers its purpose).
 *
 * A communication is asked by its category (and flags); `evaluate` reads only its classification, and of that not
 * the category it was classified from (`category`, `treatedAs`). A communication classified like its purpose asked
 * alone (a promotion without third-party remuneration is marketing; an appointment reminder is treatment) therefore
 * gets that purpose's answers. One with remuneration, a refill reminder (its own basis code) or a declared exception
 * does not, and is decided from the states.
 */
export function precomputedQuestion(request: EligibilityRequest): number {
  if (request.communication === undefined && request.purpose === undefined) return -1;
  const cls = classify(request.communication ?? { purpose: request.purpose });
  if (request.communication !== undefined && answeredAs(cls) !== answeredAs(classify({ purpose: cls.purpose }))) return -1;
  const part2 = request.usesPart2Data === true;
  return PRECOMPUTED_QUESTIONS.findIndex((q) => q.purpose === cls.purpose && q.channel === request.channel && q.usesPart2Data === part2);
}

/** The part of a classification `evaluate` reads: every member but where it came from (any member added counts). */
function answeredAs(cls: Classification): string {
  const { category: _category, treatedAs: _treatedAs, ...read } = cls;
  return JSON.stringify(Object.entries(read).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export interface PrecomputedAnswers {
  /** One character per question, from '0': which of `answers` answers it. */
  index: string;
  /** The distinct answers: `A` (ALLOW) or `D` (DENY), then the reason codes joined by `|`, as `encodeAnswer` writes. */
  answers: string[];
  /** The first instant the answers hold at (as `asOf` and `knownAt` both). */
  validFrom: string;
  /** The instant they stop holding at (excluded), or null when no fact names a later instant. */
  validUntil: string | null;
}

export function encodeAnswer(decision: Pick<Decision, 'decision' | 'reasons'>): string {
  return (decision.decision === 'ALLOW' ? 'A' : 'D') + decision.reasons.map((r) => r.code).join('|');
}

export function decodeAnswer(answer: string): { decision: 'ALLOW' | 'DENY'; reasons: string[] } {
  return { decision: answer[0] === 'A' ? 'ALLOW' : 'DENY', reasons: answer.length > 1 ? answer.slice(1).split('|') : [] };
}

/**
 * The answers to every precomputed question for a subject (`contactKey` undefined: its linked contact points are
 * considered) or for a contact point alone (`subject` undefined), given the views of the contact points involved.
 */
export function precomputeAnswers(
  subject: SubjectView | undefined,
  contactKey: string | undefined,
  contacts: ReadonlyMap<string, ContactView>,
): PrecomputedAnswers {
  const recorded: number[] = [];
  const instants: number[] = [];
  collectInstants(subject, instants, recorded);
  for (const contact of contacts.values()) collectInstants(contact, instants, recorded);
  const lastRecorded = recorded.length > 0 ? Math.max(...recorded) : 0;
  // Just after the last fact was recorded: every fact is known, and an instant equal to that one is behind.
  const fromMs = lastRecorded + 1;
  const later = instants.filter((ms) => ms >= fromMs);
  const at = formatInstant(fromMs);
  const answers: string[] = [];
  let index = '';
  for (const question of PRECOMPUTED_QUESTIONS) {
    const answer = encodeAnswer(evaluateConsidering(subject, contactKey, contacts, question, at, at));
    let i = answers.indexOf(answer);
    if (i < 0) i = answers.push(answer) - 1;
    index += String.fromCharCode(48 + i);
  }
  return { index, answers, validFrom: at, validUntil: later.length > 0 ? formatInstant(Math.min(...later)) : null };
}

/** Every instant a view names (whatever the field), and apart the instants facts were recorded at. */
function collectInstants(value: unknown, instants: number[], recorded: number[], key?: string): void {
  if (typeof value === 'string') {
    const ms = instantMs(value);
    if (Number.isNaN(ms)) return;
    instants.push(ms);
    if (key === 'recordedAt') recorded.push(ms);
  } else if (Array.isArray(value)) {
    for (const item of value) collectInstants(item, instants, recorded);
  } else if (value !== null && typeof value === 'object') {
    for (const [name, item] of Object.entries(value)) collectInstants(item, instants, recorded, name);
  }
}
