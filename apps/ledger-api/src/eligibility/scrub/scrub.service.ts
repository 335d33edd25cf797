import { Injectable } from '@nestjs/common';
import { contactKeyOf, type EligibilityRequest, normaliseEmail, normalisePhone } from '@app/domain';
import { decide } from '../check/check.handler';
import { EligibilityStates } from '../eligibility-states';
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
 * Decides every line of a list, in input order, a batch at a time: each batch is one read-model round trip and then
 * the pure `evaluate` per line. Memory holds one batch, whatever the list length.
 */
@Injectable()
export class ScrubService {
  constructor(private readonly states: EligibilityStates) {}

  async *scrub(lines: AsyncIterable<ScrubLine>, question: ScrubQuestion, summary: ScrubSummary): AsyncGenerator<ScrubbedLine> {
    let batch: ScrubLine[] = [];
    for await (const line of lines) {
      batch.push(line);
      if (batch.length >= BATCH) {
        yield* this.decideBatch(batch, question, summary);
        batch = [];
      }
    }
    if (batch.length > 0) yield* this.decideBatch(batch, question, summary);
  }

  private async *decideBatch(batch: ScrubLine[], question: ScrubQuestion, summary: ScrubSummary): AsyncGenerator<ScrubbedLine> {
    const channel = question.request.channel;
    const prepared = batch.map((line) => {
      if (line.malformed) return { line };
      const email = line.email === undefined ? undefined : normaliseEmail(line.email);
      const phone = line.phone === undefined ? undefined : normalisePhone(line.phone);
      if (email === null || phone === null) return { line, malformed: true };
      const value = channel === 'email' ? email : channel === 'sms' || channel === 'voice' ? phone : undefined;
      return { line, contactKey: value ? contactKeyOf(value) : undefined };
    });
    const subjectIds = [...new Set(prepared.flatMap((p) => (p.line.subjectId && !p.line.malformed ? [p.line.subjectId] : [])))];
    const contactKeys = [...new Set(prepared.flatMap((p) => ('contactKey' in p && p.contactKey ? [p.contactKey] : [])))];
    const snapshot = await this.states.load(question.path, question.tenantId, subjectIds, contactKeys);
    for (const item of prepared) {
      summary.total++;
      let out: ScrubbedLine;
      if (item.line.malformed || ('malformed' in item && item.malformed)) {
        out = { line: item.line, decision: 'ERROR', reasons: ['MALFORMED_LINE'] };
        summary.errors++;
      } else if (!item.line.subjectId && !('contactKey' in item && item.contactKey)) {
        // Only an address the channel does not reach: nothing to decide on for this channel.
        out = { line: item.line, decision: 'ERROR', reasons: ['MALFORMED_LINE'] };
        summary.errors++;
      } else {
        const contactKey = 'contactKey' in item ? item.contactKey : undefined;
        const decision = decide(snapshot, item.line.subjectId, contactKey, { ...question.request, contactKey }, question.asOf, question.knownAt);
        out = { line: item.line, decision: decision.decision, reasons: decision.reasons.map((r) => r.code) };
        if (decision.decision === 'ALLOW') summary.allowed++;
        else summary.denied++;
      }
      for (const reason of out.reasons) summary.byReason[reason] = (summary.byReason[reason] ?? 0) + 1;
      yield out;
    }
  }
}
