import { create, type JsonObject } from '@bufbuild/protobuf';
import type { sendUnaryData, ServerDuplexStream, ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { type Principal, TokenVerifier } from '@app/security';
import { AccessLog } from '../audit/access-log/access-log';
import { normaliseContact } from '../contacts/contact-value';
import { ELIGIBILITY_PROJECTION, type EligibilityAnswer, EligibilityCheckQuery, isAuditQuestion } from '../eligibility/check/check.handler';
import { EligibilityCheckRequest } from '../eligibility/check/check.request';
import type { ScrubLine as ListLine } from '../eligibility/scrub/scrub-lines';
import { ScrubQuery } from '../eligibility/scrub/scrub.request';
import { ScrubService, type ScrubbedLine, type ScrubSummary } from '../eligibility/scrub/scrub.service';
import { Problem } from '../http/problem';
import { LedgerStreams } from '../ledger/ledger-streams';
import { ReadPosition } from '../ledger/read-position';
import {
  type CheckRequest, type CheckResponse, CheckResponseSchema, Decision, EligibilityService, type ScrubLine, type ScrubStreamRequest,
  type ScrubStreamResponse, ScrubStreamResponseSchema,
} from './gen/consent/v1/eligibility_pb';
import { authenticate } from './grpc-auth';
import { validated } from './grpc-request';
import { toGrpcError } from './grpc-status';
import { eligibilityRequest } from '../eligibility/scrub/scrub.controller';

/** Answers per ScrubStream message: large enough to amortise framing, small enough to stream. */
const RESULTS_PER_MESSAGE = 1000;

const DECISIONS = { ALLOW: Decision.ALLOW, DENY: Decision.DENY, ERROR: Decision.ERROR } as const;

/**
 * EligibilityService: Check runs the HTTP check's query; ScrubStream feeds the HTTP scrub's ScrubService with the lines
 * as they arrive and streams the answers back in input order. Both leave one access-log entry, as over HTTP.
 */
@Injectable()
export class EligibilityGrpcService {
  constructor(
    private readonly queries: QueryBus,
    private readonly verifier: TokenVerifier,
    private readonly scrubs: ScrubService,
    private readonly read: ReadPosition,
    private readonly streams: LedgerStreams,
    private readonly accessLog: AccessLog,
  ) {}

  implementation(): UntypedServiceImplementation {
    return {
      [EligibilityService.method.check.localName]: (call: ServerUnaryCall<CheckRequest, CheckResponse>, callback: sendUnaryData<CheckResponse>) => {
        this.check(call).then((answer) => callback(null, answer), (error: unknown) => callback(toGrpcError(error), null));
      },
      [EligibilityService.method.scrubStream.localName]: (call: ServerDuplexStream<ScrubStreamRequest, ScrubStreamResponse>) => {
        this.scrubStream(call).catch((error: unknown) => {
          call.emit('error', toGrpcError(error));
        });
      },
    };
  }

  private async check(call: ServerUnaryCall<CheckRequest, CheckResponse>): Promise<CheckResponse> {
    const principal = await authenticate(this.verifier, call.metadata, ['eligibility:check']);
    const r = call.request;
    const body = await validated(EligibilityCheckRequest, {
      subjectId: r.subjectId,
      contact: r.contact ? { type: r.contact.type, value: r.contact.value } : undefined,
      channel: r.channel,
      purpose: r.purpose,
      communication: r.communication
        ? { category: r.communication.category, thirdPartyRemuneration: remuneration(r.communication.thirdPartyRemuneration) }
        : undefined,
      usesPart2Data: r.usesPart2Data,
      asOf: r.asOf,
      knownAt: r.knownAt,
      minPosition: r.minPosition,
    });
    const answer: EligibilityAnswer = await this.queries.execute(new EligibilityCheckQuery(principal.tenantId, body));
    await this.logAccess(principal, 'eligibility-check', call.getPath(), {
      subjectId: body.subjectId ?? null,
      contactKey: body.contact ? normaliseContact(body.contact.type, body.contact.value, 'contact.value').contactKey : null,
      underAuthorization: answer.underAuthorization,
    });
    return create(CheckResponseSchema, {
      decision: DECISIONS[answer.decision],
      purpose: answer.purpose,
      requires: answer.requires,
      reasons: answer.reasons.map((reason) => ({ code: reason.code, message: reason.message, rule: reason.rule, ruleId: reason.ruleId })),
      basis: answer.basis ? (JSON.parse(JSON.stringify(answer.basis)) as JsonObject) : undefined,
      position: answer.position,
      asOf: answer.asOf,
      knownAt: answer.knownAt,
      policyVersion: answer.policyVersion,
      evidence: answer.evidence,
      evaluatedAt: answer.evaluatedAt,
      underAuthorization: answer.underAuthorization,
      redisclosureNotice: answer.redisclosureNotice,
    });
  }

  private async scrubStream(call: ServerDuplexStream<ScrubStreamRequest, ScrubStreamResponse>): Promise<void> {
    const principal = await authenticate(this.verifier, call.metadata, ['eligibility:check']);
    // Not call[Symbol.asyncIterator](): once the client's side ends it would destroy the whole duplex, answers included.
    const messages = call.iterator({ destroyOnReturn: false }) as AsyncIterator<ScrubStreamRequest>;
    const first = await messages.next();
    const q = first.done ? undefined : first.value.question;
    if (!q) throw Problem.badRequest('Say what is being sent.', [{ field: 'question', message: 'the first message must carry the question' }]);
    const query = await validated(ScrubQuery, {
      channel: q.channel, purpose: q.purpose, category: q.category, thirdPartyRemuneration: q.thirdPartyRemuneration,
      usesPart2Data: q.usesPart2Data ? 'true' : undefined, asOf: q.asOf, knownAt: q.knownAt, minPosition: q.minPosition,
    });
    if ((query.purpose === undefined) === (query.category === undefined)) {
      throw Problem.badRequest('Say what is being sent.', [{ field: 'purpose', message: 'exactly one of purpose and category is required' }]);
    }
    const audit = isAuditQuestion(query, this.streams.now().getTime());
    const instant = await this.read.prepare(query, audit ? 'streams' : ELIGIBILITY_PROJECTION);
    const summary: ScrubSummary = { total: 0, allowed: 0, denied: 0, errors: 0, byReason: {} };
    const lines = async function* (): AsyncGenerator<ListLine> {
      for (const line of first.value!.lines) yield listLine(line);
      for (;;) {
        const next = await messages.next();
        if (next.done) return;
        for (const line of next.value.lines) yield listLine(line);
      }
    };
    const decided = this.scrubs.scrub(lines(), {
      tenantId: principal.tenantId, request: eligibilityRequest(query), asOf: instant.asOf, knownAt: instant.knownAt,
      path: audit ? 'streams' : 'read-model',
    }, summary);
    let batch: ScrubbedLine[] = [];
    for await (const out of decided) {
      batch.push(out);
      if (batch.length >= RESULTS_PER_MESSAGE) {
        await write(call, results(batch));
        batch = [];
      }
    }
    if (batch.length > 0) await write(call, results(batch));
    await write(call, create(ScrubStreamResponseSchema, {
      summary: {
        total: BigInt(summary.total), allowed: BigInt(summary.allowed), denied: BigInt(summary.denied), errors: BigInt(summary.errors),
        byReason: Object.fromEntries(Object.entries(summary.byReason).map(([code, n]) => [code, BigInt(n)])),
      },
    }));
    await this.logAccess(principal, 'eligibility-scrub', call.getPath(), { subjectCount: summary.total });
    call.end();
  }

  private async logAccess(principal: Principal, action: string, route: string, note: { subjectId?: string | null; contactKey?: string | null; subjectCount?: number; underAuthorization?: boolean }) {
    await this.accessLog.record({
      tenantId: principal.tenantId, action, method: 'GRPC', route, actor: principal.actor, clientId: principal.clientId ?? null,
      issuer: principal.issuer ?? null, subjectId: note.subjectId ?? null, contactKey: note.contactKey ?? null,
      subjectCount: note.subjectCount ?? null, underAuthorization: note.underAuthorization ?? null, status: 200, correlationId: null,
    });
  }
}

function remuneration(value: string): boolean | string | undefined {
  return value === '' ? undefined : value === 'true' ? true : value === 'false' ? false : value;
}

function listLine(line: ScrubLine): ListLine {
  const echo = { subjectId: line.subjectId, email: line.email, phone: line.phone };
  const present = Object.fromEntries(Object.entries(echo).filter(([, v]) => v !== undefined && v !== ''));
  if (Object.keys(present).length === 0) return { echo, malformed: 'neither subjectId, email nor phone' };
  return { echo, ...present };
}

function results(batch: ScrubbedLine[]): ScrubStreamResponse {
  return create(ScrubStreamResponseSchema, {
    results: batch.map((out) => {
      const echo = (out.line.echo ?? {}) as { subjectId?: string; email?: string; phone?: string };
      return { decision: DECISIONS[out.decision], reasons: out.reasons, line: { subjectId: echo.subjectId, email: echo.email, phone: echo.phone } };
    }),
  });
}


/** Writes with backpressure: a slow client holds the scrub back instead of filling memory. */
function write(call: ServerDuplexStream<ScrubStreamRequest, ScrubStreamResponse>, message: ScrubStreamResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    if (call.destroyed || call.cancelled) return reject(new Problem(499, 'cancelled', 'Cancelled', 'The client cancelled the scrub.'));
    if (call.write(message)) return resolve();
    call.once('drain', resolve);
  });
}
