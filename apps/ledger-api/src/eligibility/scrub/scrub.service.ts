import { Injectable } from '@nestjs/common';
import {
  contactKeyOf, contactTypeReaching, decodeAnswer, type EligibilityRequest, normaliseEmail, normalisePhone, precomputedQuestion,
} from '@app/domain';
import { decide } from '../check/check.handler';
import { type EligibilitySnapshot, EligibilityStates } from '../eligibility-states';
import type { ScrubLine } from './scrub-lines';

export interface ScrubbedLine { line: ScrubLine; decision: 'ALLOW' | 'DENY' | 'ERROR'; reasons: string[] }

export interface ScrubSummary { total: number; allowed: number; denied: number; errors: number; byReason: Record<string, number> }

export interface ScrubQuestion {
  tenantId: string;
  request: EligibilityRequest;
  asOf: string;
  knownAt: string;
  path: 'read-model' | 'streams';
}

/**
 * Lines per round trip. Answered from the stored answers, 2,000 measured ~5% faster than 1,000 on the bench machine
 * (fewer statements) and 4,000 no faster; decided from the states, a batch holds a policy view (~1 KB) per subject, and
 * 2,000 raised the scrub's peak RSS by ~30 MiB for no gain.
 */
const BATCH = { stored: 2000, states: 1000 } as const;
/**
 * Batches whose states are being read while the oldest is decided and written. One keeps the database and the
 * evaluation busy at once; two measured no faster on the 2-core bench machine (bench/scrub), where PostgreSQL is the bound.
 */
const READ_AHEAD = 1;

type Prepared = { line: ScrubLine; malformed?: boolean; contactKey?: string; stored?: string };

/** The states of the lines of a batch the precomputed answers do not answer (none when they answer all). */
interface Sources { snapshot: EligibilitySnapshot | undefined }

/** A batch whose answers and states are being read: the lines, and the sources on their way. */
interface Loading { prepared: Prepared[]; sources: Promise<Sources> }

/**
 * Decides every line of a list, in input order, a batch at a time: each batch is one round trip for the precomputed
 * answers (`read`), and one more for the states of the lines they leave, decided by the pure `evaluate`. The next
 * batches' round trips (READ_AHEAD) are under way while this one is decided and written, so the database and the
 * evaluation overlap. Memory holds READ_AHEAD + 2 batches, whatever the list length.
 */
@Injectable()
export class ScrubService {
  constructor(private readonly states: EligibilityStates) {}

  async *scrub(lines: AsyncIterable<ScrubLine>, question: ScrubQuestion, summary: ScrubSummary): AsyncGenerator<ScrubbedLine> {
    for await (const batch of this.scrubBatches(lines, question, summary)) yield* batch;
  }

  /** The same decisions, a batch (array) at a time: what a writer that encodes a batch at once wants. */
  async *scrubBatches(lines: AsyncIterable<ScrubLine>, question: ScrubQuestion, summary: ScrubSummary): AsyncGenerator<ScrubbedLine[]> {
    let batch: ScrubLine[] = [];
    const loading: Loading[] = [];
    const size = precomputedIndex(question) >= 0 ? BATCH.stored : BATCH.states;
    for await (const line of lines) {
      batch.push(line);
      if (batch.length < size) continue;
      loading.push(this.load(batch, question));
      batch = [];
      if (loading.length > READ_AHEAD) {
        const done = loading.shift()!;
        yield this.decideBatch(done.prepared, await done.sources, question, summary);
      }
    }
    if (batch.length > 0) loading.push(this.load(batch, question));
    for (const done of loading) yield this.decideBatch(done.prepared, await done.sources, question, summary);
  }

  /** Normalises the batch's identifiers and starts reading its answers and states. */
  private load(batch: ScrubLine[], question: ScrubQuestion): Loading {
    const reaches = contactTypeReaching(question.request.channel);
    const prepared = batch.map((line): Prepared => {
      if (line.malformed) return { line };
      const email = line.email === undefined ? undefined : normaliseEmail(line.email);
      const phone = line.phone === undefined ? undefined : normalisePhone(line.phone);
      if (email === null || phone === null) return { line, malformed: true };
      const value = reaches === 'email' ? email : reaches === 'phone' ? phone : undefined;
      return { line, contactKey: value ? contactKeyOf(value) : undefined };
    });
    const sources = this.read(prepared, question);
    // Observed now: a failure while an earlier batch is being written (or after the client went away) is not an
    // unhandled rejection; it is awaited, and thrown, when its turn comes.
    sources.catch(() => undefined);
    return { prepared, sources };
  }

  /**
   * On the live path, a question whose answers are precomputed (a purpose, or a category classified like one, not
   * fundraising, asked now) reads them first: a line is answered from its subject's row when `evaluate` would consider
   * the same contact points, or, naming only an address, from the address's row, or from the answers about nobody or
   * about a subject with no facts when the ledger knows neither (EligibilityReadModel.answers); each line answered so
   * keeps its answer in `stored`. The lines left (other addresses, an unknown subject with a known address, answers
   * past the instant they hold to) and every line of any other question are decided by `evaluate` from the states read
   * here.
   */
  private async read(prepared: Prepared[], question: ScrubQuestion): Promise<Sources> {
    const decidable = prepared.filter((p) => !p.line.malformed && !p.malformed && (p.line.subjectId || p.contactKey));
    const index = precomputedIndex(question);
    let rest = decidable;
    if (index >= 0 && decidable.length > 0) {
      const found = await this.states.precomputed(question.tenantId, index, contactTypeReaching(question.request.channel),
        decidable.map((p) => ({ subjectId: p.line.subjectId, contactKey: p.contactKey })), question.asOf);
      decidable.forEach((p, i) => (p.stored = found[i]));
      rest = decidable.filter((p) => p.stored === undefined);
    }
    if (rest.length === 0) return { snapshot: undefined };
    const subjectIds = unique(rest.flatMap((p) => (p.line.subjectId ? [p.line.subjectId] : [])));
    const contactKeys = unique(rest.flatMap((p) => (p.contactKey ? [p.contactKey] : [])));
    return { snapshot: await this.states.load(question.path, question.tenantId, subjectIds, contactKeys) };
  }

  private decideBatch(prepared: Prepared[], { snapshot }: Sources, question: ScrubQuestion, summary: ScrubSummary): ScrubbedLine[] {
    return prepared.map((item) => {
      summary.total++;
      let out: ScrubbedLine;
      if (item.line.malformed || item.malformed || (!item.line.subjectId && !item.contactKey)) {
        // Unreadable, or only an address the channel does not reach: nothing to decide on for this channel.
        out = { line: item.line, decision: 'ERROR', reasons: ['MALFORMED_LINE'] };
        summary.errors++;
      } else if (item.stored) {
        out = { line: item.line, ...decodeAnswer(item.stored) };
        if (out.decision === 'ALLOW') summary.allowed++;
        else summary.denied++;
      } else {
        const decision = decide(snapshot!, item.line.subjectId, item.contactKey, { ...question.request, contactKey: item.contactKey }, question.asOf, question.knownAt);
        out = { line: item.line, decision: decision.decision, reasons: decision.reasons.map((r) => r.code) };
        if (decision.decision === 'ALLOW') summary.allowed++;
        else summary.denied++;
      }
      for (const reason of out.reasons) summary.byReason[reason] = (summary.byReason[reason] ?? 0) + 1;
      return out;
    });
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** The question's index among the precomputed ones, when the stored answers can answer it: asked now, on the live path. */
function precomputedIndex(question: ScrubQuestion): number {
  return question.path === 'read-model' && question.asOf === question.knownAt ? precomputedQuestion(question.request) : -1;
}
