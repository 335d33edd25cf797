import { Controller, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringify } from 'csv-stringify/sync';
import type { EligibilityRequest, Remuneration } from '@app/domain';
import type { Principal } from '@app/security';
import { AccessLogged, type AccessLoggedRequest, noteAccess } from '../../audit/access-log/access-logged';
import { DecisionReceipts } from '../../audit/receipts/receipts';
import { Caller, Scopes } from '../../http/auth';
import { Problem } from '../../http/problem';
import { LedgerStreams } from '../../ledger/ledger-streams';
import { ReadPosition } from '../../ledger/read-position';
import { ELIGIBILITY_PROJECTION, isAuditQuestion } from '../check/check.handler';
import { csvLines, ID_COLUMNS, ndjsonLines, ScrubHeaderError, type ScrubLine } from './scrub-lines';
import { ScrubQuery } from './scrub.request';
import { ScrubService, type ScrubbedLine, type ScrubSummary } from './scrub.service';

export const CSV = 'text/csv';
export const NDJSON = 'application/x-ndjson';

@ApiTags('eligibility')
@ApiBearerAuth()
@Controller('v1/eligibility/scrub')
export class ScrubController {
  constructor(
    private readonly scrubs: ScrubService,
    private readonly read: ReadPosition,
    private readonly streams: LedgerStreams,
    private readonly receipts: DecisionReceipts,
  ) {}

  @Post()
  @Scopes('eligibility:check')
  @AccessLogged('eligibility-scrub')
  @ApiConsumes(CSV, NDJSON)
  @ApiOperation({ summary: 'Scrub a list (CSV or NDJSON, streamed both ways): one decision per line, in input order, then a summary.' })
  async scrub(@Query() query: ScrubQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply, @Caller() caller: Principal): Promise<void> {
    if ((query.purpose === undefined) === (query.category === undefined)) {
      throw Problem.badRequest('Say what is being sent.', [{ field: 'purpose', message: 'exactly one of purpose and category is required' }]);
    }
    const inputType = String(request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (inputType !== CSV && inputType !== NDJSON) {
      throw new Problem(415, 'unsupported-media-type', 'Unsupported media type', `Send the list as ${CSV} or ${NDJSON}.`);
    }
    const accept = String(request.headers.accept ?? '');
    const outputType = accept.includes(NDJSON) ? NDJSON : accept.includes(CSV) ? CSV : inputType;
    const audit = isAuditQuestion(query, this.streams.now().getTime());
    const instant = await this.read.prepare(query, audit ? 'streams' : ELIGIBILITY_PROJECTION);
    const question = {
      tenantId: caller.tenantId,
      request: eligibilityRequest(query),
      asOf: instant.asOf,
      knownAt: instant.knownAt,
      path: audit ? 'streams' as const : 'read-model' as const,
    };
    const body = request.body as Readable;
    // `Prefer: receipt` (RFC 7240): the summary carries a signed receipt bound to this exact list by its digest.
    const wantsReceipt = /(^|,)\s*receipt\s*(,|;|$)/i.test(String(request.headers.prefer ?? ''));
    const digest = createHash('sha256');
    if (wantsReceipt) body.on('data', (chunk: Buffer) => digest.update(chunk));
    let header: string[] = [...ID_COLUMNS];
    const lines = inputType === CSV ? csvLines(body, (h) => (header = h)) : ndjsonLines(body);
    // Read up to the first line before answering, so a list without a usable header is a 400, not a broken stream.
    const iterator = lines[Symbol.asyncIterator]();
    let first: IteratorResult<ScrubLine>;
    try {
      first = await iterator.next();
    } catch (error) {
      if (error instanceof ScrubHeaderError) throw Problem.badRequest('The list cannot be read.', [{ field: 'body', message: error.message }]);
      throw error;
    }
    const rest: AsyncIterable<ScrubLine> = {
      [Symbol.asyncIterator]: () => ({
        next: () => (first.done ? iterator.next() : Promise.resolve(first).finally(() => (first = { done: true, value: undefined }))),
      }),
    };
    const summary: ScrubSummary & { receipt?: string } = { total: 0, allowed: 0, denied: 0, errors: 0, byReason: {} };
    const position = (await this.read.position(audit ? 'streams' : ELIGIBILITY_PROJECTION)).toString();
    const finish = async () => {
      if (!wantsReceipt) return;
      summary.receipt = await this.receipts.issueScrub({
        tenant: caller.tenantId,
        question: {
          channel: question.request.channel, purpose: question.request.purpose ?? null,
          communication: question.request.communication ?? null, usesPart2Data: question.request.usesPart2Data ?? false,
        },
        inputSha256: digest.digest('hex'),
        summary: { total: summary.total, allowed: summary.allowed, denied: summary.denied, errors: summary.errors, byReason: summary.byReason },
        position, asOf: instant.asOf, knownAt: instant.knownAt, evaluatedAt: instant.now,
      });
    };
    const decided = this.scrubs.scrubBatches(first.done ? emptyLines() : rest, question, summary);
    const wantsTrailer = /\btrailers\b/i.test(String(request.headers.te ?? ''));
    if (wantsTrailer) reply.trailer('x-scrub-summary', (_reply, _payload, done) => done(null, JSON.stringify(summary)));
    reply.status(200).header('content-type', `${outputType}; charset=utf-8`).header('cache-control', 'no-store');
    if (wantsReceipt) reply.header('preference-applied', 'receipt');
    const output = Readable.from(outputType === CSV ? toCsv(decided, () => header, inputType === CSV, finish) : toNdjson(decided, () => header, summary, finish));
    // The access log records the scrub once the list has been answered, with how many lines it disclosed: noted in
    // this listener, which runs before the access log's own (registered as the stream is sent).
    const finished = new Promise<void>((resolve) => reply.raw.once('close', () => {
      noteAccess(request as AccessLoggedRequest, { subjectCount: summary.total });
      resolve();
    }));
    reply.send(output);
    await finished;
  }
}

async function* emptyLines(): AsyncGenerator<ScrubLine> {}

/** The scrub's question (query string) as the domain's eligibility request; HTTP and gRPC share it. */
export function eligibilityRequest(query: ScrubQuery): EligibilityRequest {
  const remuneration: boolean | Remuneration | undefined = query.thirdPartyRemuneration === 'true' ? true
    : query.thirdPartyRemuneration === 'false' ? false : query.thirdPartyRemuneration;
  return {
    channel: query.channel,
    purpose: query.purpose,
    communication: query.category ? { category: query.category, thirdPartyRemuneration: remuneration } : undefined,
    usesPart2Data: query.usesPart2Data === 'true',
  };
}

function fieldsOf(line: ScrubLine, header: string[]): string[] {
  if (Array.isArray(line.echo)) return line.echo;
  const object = line.echo ?? {};
  return header.map((name) => (object[name] === undefined || object[name] === null ? '' : String(object[name])));
}

/** The answer as CSV, one chunk per batch (encoded by csv-stringify at once, not a stream step per line). */
async function* toCsv(decided: AsyncIterable<ScrubbedLine[]>, header: () => string[], csvInput: boolean, finish: () => Promise<void>): AsyncGenerator<string> {
  let wroteHeader = false;
  for await (const batch of decided) {
    const rows = batch.map((out) => [...fieldsOf(out.line, csvInput ? header() : [...ID_COLUMNS]).slice(0, header().length), out.decision, out.reasons.join('|')]);
    if (!wroteHeader) {
      wroteHeader = true;
      rows.unshift([...header(), 'decision', 'reasons']);
    }
    yield stringify(rows);
  }
  if (!wroteHeader) yield stringify([[...header(), 'decision', 'reasons']]);
  await finish();
}

async function* toNdjson(decided: AsyncIterable<ScrubbedLine[]>, header: () => string[], summary: ScrubSummary, finish: () => Promise<void>): AsyncGenerator<string> {
  let lineNumber = 0;
  for await (const batch of decided) {
    let chunk = '';
    for (const out of batch) {
      lineNumber++;
      const echo = Array.isArray(out.line.echo)
        ? Object.fromEntries(header().map((name, i) => [name, (out.line.echo as string[])[i]]))
        : out.line.echo ?? {};
      const extra = out.decision === 'ERROR' ? { line: lineNumber } : {};
      chunk += `${JSON.stringify({ ...echo, decision: out.decision, reasons: out.reasons, ...extra })}\n`;
    }
    yield chunk;
  }
  await finish();
  yield `${JSON.stringify({ summary })}\n`;
}
