import { Injectable } from '@nestjs/common';
import { contactKeyOf, type EligibilityRequest, normaliseEmail, normalisePhone } from '@app/domain';
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

const BATCH = 1000;
/**
 * Batches whose states are being read while the oldest is decided and written. One keeps the database and the
 * evaluation busy at once; two measured no faster on the 2-core bench machine (bench/scrub), where PostgreSQL is the bound.
 */
const READ_AHEAD = 1;

type Prepared = { line: ScrubLine; malformed?: boolean; contactKey?: string };

/** A batch whose states are being read: the lines, and the snapshot on its way. */
interface Loading { prepared: Prepared[]; snapshot: Promise<EligibilitySnapshot> }

/**
 * Decides every line of a list, in input order, a batch at a time: each batch is one read-model round trip and then
 * the pure `evaluate` per line. The next batches' round trips (READ_AHEAD) are under way while this one is decided and
 * written, so the database and the evaluation overlap. Memory holds READ_AHEAD + 2 batches, whatever the list length.
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
    for await (const line of lines) {
      batch.push(line);
      if (batch.length < BATCH) continue;
      loading.push(this.load(batch, question));
      batch = [];
      if (loading.length > READ_AHEAD) {
        const done = loading.shift()!;
        yield this.decideBatch(done.prepared, await done.snapshot, question, summary);
      }
    }
    if (batch.length > 0) loading.push(this.load(batch, question));
    for (const done of loading) yield this.decideBatch(done.prepared, await done.snapshot, question, summary);
  }

  /** Normalises the batch's identifiers and starts reading its states. */
  private load(batch: ScrubLine[], question: ScrubQuestion): Loading {
    const channel = question.request.channel;
    const prepared = batch.map((line): Prepared => {
      if (line.malformed) return { line };
      const email = line.email === undefined ? undefined : normaliseEmail(line.email);
      const phone = line.phone === undefined ? undefined : normalisePhone(line.phone);
      if (email === null || phone === null) return { line, malformed: true };
      const value = channel === 'email' ? email : channel === 'sms' || channel === 'voice' ? phone : undefined;
      return { line, contactKey: value ? contactKeyOf(value) : undefined };
    });
    const subjectIds = [...new Set(prepared.flatMap((p) => (p.line.subjectId && !p.line.malformed ? [p.line.subjectId] : [])))];
    const contactKeys = [...new Set(prepared.flatMap((p) => (p.contactKey ? [p.contactKey] : [])))];
    const snapshot = this.states.load(question.path, question.tenantId, subjectIds, contactKeys);
    // Observed now: a failure while an earlier batch is being written (or after the client went away) is not an
    // unhandled rejection; it is awaited, and thrown, when its turn comes.
    snapshot.catch(() => undefined);
    return { prepared, snapshot };
  }

  private decideBatch(prepared: Prepared[], snapshot: EligibilitySnapshot, question: ScrubQuestion, summary: ScrubSummary): ScrubbedLine[] {
    return prepared.map((item) => {
      summary.total++;
      let out: ScrubbedLine;
      if (item.line.malformed || item.malformed || (!item.line.subjectId && !item.contactKey)) {
        // Unreadable, or only an address the channel does not reach: nothing to decide on for this channel.
        out = { line: item.line, decision: 'ERROR', reasons: ['MALFORMED_LINE'] };
        summary.errors++;
      } else {
        const decision = decide(snapshot, item.line.subjectId, item.contactKey, { ...question.request, contactKey: item.contactKey }, question.asOf, question.knownAt);
        out = { line: item.line, decision: decision.decision, reasons: decision.reasons.map((r) => r.code) };
        if (decision.decision === 'ALLOW') summary.allowed++;
        else summary.denied++;
      }
      for (const reason of out.reasons) summary.byReason[reason] = (summary.byReason[reason] ?? 0) + 1;
      return out;
    });
  }
}
