import { createHash } from 'node:crypto';
import { create, fromBinary, type DescService } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { credentials, makeGenericClientConstructor, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import {
  type CheckResponse, Decision, EligibilityService, type ScrubStreamResponse,
  ScrubStreamRequestSchema,
} from '../../src/grpc/gen/consent/v1/eligibility_pb';
import { ErrorDetailSchema, StatusSchema } from '../../src/grpc/gen/consent/v1/errors_pb';
import { LedgerService } from '../../src/grpc/gen/consent/v1/ledger_pb';
import { GrpcServer } from '../../src/grpc/grpc.server';
import { serviceDefinition } from '../../src/grpc/service-definition';
import { startLedger, type TestLedger } from '../../../../test/support/ledger';
import { grantBody } from '../fixtures';

type Unary = (request: unknown, metadata: Metadata, callback: (error: ServiceError | null, response: any) => void) => void;

function clientFor(service: DescService, port: number): Record<string, any> & { close(): void } {
  const Client = makeGenericClientConstructor(serviceDefinition(service), service.name);
  return new Client(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as Record<string, any> & { close(): void };
}

/** A unary call; the request is built with the method's generated schema from plain members. */
function call<T>(client: Record<string, any>, method: string, request: Record<string, unknown>, metadata: Metadata): Promise<T> {
  const service = 'check' === method ? EligibilityService : LedgerService;
  const descriptor = service.methods.find((m) => m.localName === method)!;
  const message = create(descriptor.input, request as never);
  return new Promise((resolve, reject) => (client[method] as Unary).call(client, message, metadata, (error, response) => (error ? reject(error) : resolve(response))));
}

function bearer(token: string, extra: Record<string, string> = {}): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  for (const [k, v] of Object.entries(extra)) metadata.set(k, v);
  return metadata;
}

/** The members of a gRPC CheckResponse in the HTTP answer's shape. */
function asHttpAnswer(r: CheckResponse): Record<string, unknown> {
  return {
    decision: Decision[r.decision], purpose: r.purpose, requires: r.requires,
    reasons: r.reasons.map(({ code, message, rule, ruleId }) => ({ code, message, rule, ruleId })), basis: r.basis ?? null, position: r.position,
    asOf: r.asOf, knownAt: r.knownAt, policyVersion: r.policyVersion, evidence: r.evidence, evaluatedAt: r.evaluatedAt,
    underAuthorization: r.underAuthorization,
  };
}

function errorDetail(error: ServiceError) {
  const [bin] = error.metadata.get('grpc-status-details-bin');
  const statusMessage = fromBinary(StatusSchema, bin as Buffer);
  return { code: statusMessage.code, detail: anyUnpack(statusMessage.details[0], ErrorDetailSchema) };
}

/** A gRPC answer as plain members (no `$typeName`); an absent optional member stays absent. */
function plain(message: unknown): Record<string, any> {
  return JSON.parse(JSON.stringify(message, (key, value: unknown) => (key === '$typeName' ? undefined : value)));
}

/** An HTTP answer with its null members absent, as gRPC answers them. */
function withoutNulls(body: unknown): Record<string, any> {
  return JSON.parse(JSON.stringify(body, (_key, value: unknown) => (value === null ? undefined : value)));
}

/** The problem+json body the ErrorDetail of a gRPC error stands for. */
function asProblem(error: ServiceError): Record<string, unknown> {
  const { detail } = errorDetail(error);
  return {
    type: `https://consent-ledger.dev/problems/${detail!.type}`, title: detail!.title, status: detail!.httpStatus, detail: detail!.detail,
    ...(detail!.errors.length > 0 ? { errors: detail!.errors.map(({ field, message }) => ({ field, message })) } : {}),
    ...detail!.extensions,
  };
}

const contactKeyOf = (normalised: string) => createHash('sha256').update(normalised).digest('hex');

describe('gRPC: EligibilityService and LedgerService answer as the HTTP API does', () => {
  let ledger: TestLedger;
  let eligibility: ReturnType<typeof clientFor>;
  let commands: ReturnType<typeof clientFor>;
  let token: string;

  beforeAll(async () => {
    ledger = await startLedger({ env: { GRPC_PORT: '0' } });
    // gRPC starts when the HTTP server listens (Fastify onListen), as under `npm start`.
    await ledger.app.listen({ port: 0, host: '127.0.0.1' });
    const port = await ledger.app.get(GrpcServer).start(); // resolves once the onListen start has bound the port
    eligibility = clientFor(EligibilityService, port);
    commands = clientFor(LedgerService, port);
    token = await ledger.token('acme');
  });
  afterAll(async () => {
    eligibility?.close();
    commands?.close();
    await ledger?.close();
  });

  const checkOver = async (subjectId: string, minPosition: string) => {
    const grpc = await call<CheckResponse>(eligibility, 'check', { subjectId, channel: 'email', purpose: 'marketing', minPosition }, bearer(token));
    const http = await ledger.request('POST', '/v1/eligibility/check', { token, body: { subjectId, channel: 'email', purpose: 'marketing', minPosition } });
    expect(http.status).toBe(200);
    const { redisclosureNotice: _, ...answer } = http.body;
    expect(asHttpAnswer(grpc)).toEqual(answer);
    return grpc;
  };

  it('grant, check, revoke, check: each answer equals the HTTP API\'s', async () => {
    const granted = await call<{ authorizationId: string; status: string; position: string; documentUrl: string }>(
      commands, 'grantAuthorization', { subjectId: 'p-1', authorization: grantBody() }, bearer(token));
    expect(granted).toMatchObject({ authorizationId: 'auth-1', status: 'active', documentUrl: '/v1/subjects/p-1/authorizations/auth-1/document' });

    const allowed = await checkOver('p-1', granted.position);
    expect(allowed.decision).toBe(Decision.ALLOW);
    expect(allowed.reasons.map((r) => r.code)).toEqual(['AUTHORIZED']);
    expect(allowed.basis).toMatchObject({ authorizationId: 'auth-1' });

    const revoked = await call<{ status: string; position: string }>(commands, 'revokeAuthorization',
      { subjectId: 'p-1', authorizationId: 'auth-1', receivedVia: 'portal' }, bearer(token));
    expect(revoked.status).toBe('revoked');
    const denied = await checkOver('p-1', revoked.position);
    expect(denied.decision).toBe(Decision.DENY);
    expect(denied.reasons.map((r) => r.code)).toContain('AUTHORIZATION_REVOKED');

    // Revoking twice answers the first position, as over HTTP.
    const again = await call<{ position: string }>(commands, 'revokeAuthorization', { subjectId: 'p-1', authorizationId: 'auth-1', receivedVia: 'portal' }, bearer(token));
    expect(again.position).toBe(revoked.position);
  });

  it('a 100,000-line ScrubStream answers every line in order, as the HTTP scrub does', async () => {
    const subjects = Array.from({ length: 20 }, (_, i) => `s-${i}`);
    let position = '0';
    for (const [i, subjectId] of subjects.entries()) {
      if (i % 2 === 0) {
        position = (await call<{ position: string }>(commands, 'grantAuthorization',
          { subjectId, authorization: grantBody({ authorizationId: `a-${i}` }) }, bearer(token))).position;
      }
      if (i % 5 === 0) {
        position = (await call<{ position: string }>(commands, 'setPreference',
          { subjectId, purpose: 'marketing', channel: 'email', choice: 'opt-out', source: 'portal' }, bearer(token))).position;
      }
    }
    const lines = Array.from({ length: Number(process.env.GRPC_LINES ?? 100_000) }, (_, n) =>
      (n % 997 === 0 ? {} : n % 3 === 0 ? { subjectId: subjects[n % 20], email: `person${n % 50}@example.com` } : { subjectId: subjects[n % 20] }));

    const stream = eligibility.scrubStream(bearer(token));
    const received: ScrubStreamResponse[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (message: ScrubStreamResponse) => received.push(message));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const question = { channel: 'email', purpose: 'marketing', minPosition: position };
    for (let i = 0; i < lines.length; i += 5000) {
      const request = create(ScrubStreamRequestSchema, { ...(i === 0 ? { question } : {}), lines: lines.slice(i, i + 5000) });
      if (!stream.write(request)) await new Promise((resolve) => stream.once('drain', resolve));
    }
    stream.end();
    await ended;
    const results = received.flatMap((m) => m.results);
    const summary = received[received.length - 1].summary!;
    expect(results).toHaveLength(lines.length);

    const http = await ledger.request('POST', `/v1/eligibility/scrub?channel=email&purpose=marketing&minPosition=${position}`, {
      token, payload: lines.map((l) => JSON.stringify(l)).join('\n'), headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(http.status).toBe(200);
    const httpLines = http.text.trim().split('\n').map((l) => JSON.parse(l));
    const httpSummary = httpLines.pop().summary;
    expect(results.map((r) => `${Decision[r.decision]} ${r.reasons.join('|')}`)).toEqual(httpLines.map((l) => `${l.decision} ${l.reasons.join('|')}`));
    expect(results[1].line).toMatchObject({ subjectId: 's-1' });
    expect({
      total: Number(summary.total), allowed: Number(summary.allowed), denied: Number(summary.denied), errors: Number(summary.errors),
      byReason: Object.fromEntries(Object.entries(summary.byReason).map(([k, v]) => [k, Number(v)])),
    }).toEqual(httpSummary);
    expect(summary.errors).toBeGreaterThan(0n);
    expect(summary.allowed).toBeGreaterThan(0n);
  });

  it('maps refusals to status codes with the problem in the details', async () => {
    const unauthenticated = await call(eligibility, 'check', { subjectId: 'p-1', channel: 'email', purpose: 'marketing' }, new Metadata())
      .catch((e: ServiceError) => e);
    expect(unauthenticated).toMatchObject({ code: status.UNAUTHENTICATED });

    const narrow = await ledger.token('acme', ['consent:read']);
    const forbidden = await call(eligibility, 'check', { subjectId: 'p-1', channel: 'email', purpose: 'marketing' }, bearer(narrow))
      .catch((e: ServiceError) => e) as ServiceError;
    expect(forbidden.code).toBe(status.PERMISSION_DENIED);
    expect(errorDetail(forbidden).detail).toMatchObject({ type: 'insufficient-scope', httpStatus: 403 });

    const invalid = await call(eligibility, 'check', { subjectId: 'p-1', channel: 'pigeon', purpose: 'marketing' }, bearer(token))
      .catch((e: ServiceError) => e) as ServiceError;
    expect(invalid.code).toBe(status.INVALID_ARGUMENT);
    expect(errorDetail(invalid)).toMatchObject({ code: status.INVALID_ARGUMENT, detail: { type: 'validation-failed', errors: [expect.objectContaining({ field: 'channel' })] } });

    const defective = await call(commands, 'grantAuthorization', { subjectId: 'p-2', authorization: grantBody({ authorizationId: 'x', purposeStatement: undefined, statements: undefined }) }, bearer(token))
      .catch((e: ServiceError) => e) as ServiceError;
    expect(defective.code).toBe(status.FAILED_PRECONDITION);
    const { detail } = errorDetail(defective);
    expect(detail).toMatchObject({ type: 'defective-authorization', httpStatus: 422 });
    expect(detail?.extensions?.missingElements).toEqual(expect.arrayContaining([expect.objectContaining({ element: expect.any(String) })]));

    const unknown = await call(commands, 'revokeAuthorization', { subjectId: 'p-404', authorizationId: 'nope', receivedVia: 'portal' }, bearer(token))
      .catch((e: ServiceError) => e);
    expect(unknown).toMatchObject({ code: status.NOT_FOUND });
  });

  /** A refused call: its status code, and the problem it carries equals the HTTP answer's body. */
  const refusedAlike = async (method: string, request: Record<string, unknown>, http: { status: number; body: unknown }, metadata = bearer(token)) => {
    const error = await call(commands, method, request, metadata).then(() => { throw new Error(`${method} was not refused`); }, (e: ServiceError) => e);
    expect(asProblem(error)).toEqual(http.body);
    expect(errorDetail(error).detail?.httpStatus).toBe(http.status);
    return error.code;
  };

  it('copy-provided, ESIGN consent (give, withdraw) and invalidate answer as over HTTP', async () => {
    // Twin subjects in the same state: one driven over gRPC, one over HTTP.
    for (const subjectId of ['p-copy-g', 'p-copy-h']) {
      await call(commands, 'grantAuthorization', { subjectId, authorization: grantBody() }, bearer(token));
    }
    const over = (subjectId: string) => `/v1/subjects/${subjectId}`;

    // E2: an electronic copy without an ESIGN consent is 409 over HTTP, FAILED_PRECONDITION over gRPC, the same problem.
    const noConsent = await ledger.request('POST', `${over('p-copy-h')}/authorizations/auth-1/copy-provided`, { token, body: { method: 'email' } });
    expect(noConsent.status).toBe(409);
    expect(await refusedAlike('recordCopyProvided', { subjectId: 'p-copy-h', authorizationId: 'auth-1', method: 'email' }, noConsent))
      .toBe(status.FAILED_PRECONDITION);

    const esign = { disclosureVersion: 'esign-2026-01', demonstratedAccess: true, givenAt: '2026-11-23T13:30:00Z' };
    const given = plain(await call(commands, 'giveEsignConsent', { subjectId: 'p-copy-g', ...esign }, bearer(token)));
    expect(given).toEqual({ esignConsent: 'given', disclosureVersion: 'esign-2026-01', position: expect.any(String) });
    // The same consent again over HTTP appends nothing and answers the first position: the answers are equal, position included.
    const givenAgain = await ledger.request('POST', `${over('p-copy-g')}/esign-consent`, { token, body: esign });
    expect(givenAgain.status).toBe(200);
    expect(given).toEqual(withoutNulls(givenAgain.body));
    const givenHttp = await ledger.request('POST', `${over('p-copy-h')}/esign-consent`, { token, body: esign });
    expect({ ...given, position: 'p' }).toEqual({ ...withoutNulls(givenHttp.body), position: 'p' });
    // demonstratedAccess absent is the DTO's 400 on both edges.
    const noAccess = await ledger.request('POST', `${over('p-copy-h')}/esign-consent`, { token, body: { disclosureVersion: 'esign-2026-01' } });
    expect(noAccess.status).toBe(400);
    expect(await refusedAlike('giveEsignConsent', { subjectId: 'p-copy-h', disclosureVersion: 'esign-2026-01' }, noAccess)).toBe(status.INVALID_ARGUMENT);

    for (const method of ['email', 'paper']) {
      const copy = plain(await call(commands, 'recordCopyProvided', { subjectId: 'p-copy-g', authorizationId: 'auth-1', method }, bearer(token)));
      const http = await ledger.request('POST', `${over('p-copy-h')}/authorizations/auth-1/copy-provided`, { token, body: { method } });
      expect(http.status).toBe(200);
      expect({ ...copy, position: 'p' }).toEqual({ ...withoutNulls(http.body), position: 'p' });
      expect(copy.esignConsent).toEqual(method === 'email' ? { disclosureVersion: 'esign-2026-01', givenAt: '2026-11-23T13:30:00Z' } : undefined);
    }

    const withdrawn = plain(await call(commands, 'withdrawEsignConsent', { subjectId: 'p-copy-g' }, bearer(token)));
    const withdrawnHttp = await ledger.request('DELETE', `${over('p-copy-h')}/esign-consent`, { token });
    expect(withdrawnHttp.status).toBe(200);
    expect(withdrawn).toMatchObject({ esignConsent: 'withdrawn', disclosureVersion: 'esign-2026-01' });
    expect({ ...withdrawn, position: 'p' }).toEqual({ ...withoutNulls(withdrawnHttp.body), position: 'p' });
    // With no consent in force a withdrawal appends nothing: both edges answer `none` at the same (head) position.
    const none = plain(await call(commands, 'withdrawEsignConsent', { subjectId: 'p-copy-g' }, bearer(token)));
    const noneHttp = await ledger.request('DELETE', `${over('p-copy-g')}/esign-consent`, { token });
    expect(none).toEqual({ esignConsent: 'none', position: expect.any(String) });
    expect(none).toEqual(withoutNulls(noneHttp.body));

    const invalidated = plain(await call(commands, 'invalidateAuthorization',
      { subjectId: 'p-copy-g', authorizationId: 'auth-1', defect: 'known-false', discoveredAt: '2026-11-23T13:45:00Z' }, bearer(token)));
    expect(invalidated).toMatchObject({ authorizationId: 'auth-1', status: 'invalidated', defect: 'known-false', effectiveAt: '2026-11-23T13:45:00Z' });
    // A repeat answers the first invalidation (its position included), over HTTP as over gRPC.
    const invalidatedAgain = await ledger.request('POST', `${over('p-copy-g')}/authorizations/auth-1/invalidate`,
      { token, body: { defect: 'known-false', discoveredAt: '2026-11-23T13:45:00Z' } });
    expect(invalidatedAgain.status).toBe(200);
    expect(invalidated).toEqual(withoutNulls(invalidatedAgain.body));

    const unknownDefect = await ledger.request('POST', `${over('p-copy-h')}/authorizations/auth-1/invalidate`, { token, body: { defect: 'smudged' } });
    expect(unknownDefect.status).toBe(400);
    expect(await refusedAlike('invalidateAuthorization', { subjectId: 'p-copy-h', authorizationId: 'auth-1', defect: 'smudged' }, unknownDefect))
      .toBe(status.INVALID_ARGUMENT);
    const unknownAuthorization = await ledger.request('POST', `${over('p-copy-h')}/authorizations/nope/copy-provided`, { token, body: { method: 'paper' } });
    expect(unknownAuthorization.status).toBe(404);
    expect(await refusedAlike('recordCopyProvided', { subjectId: 'p-copy-h', authorizationId: 'nope', method: 'paper' }, unknownAuthorization))
      .toBe(status.NOT_FOUND);
  });

  it('inbound SMS and resolving a review item answer as over HTTP', async () => {
    // Twin numbers: one texts over gRPC, the other over HTTP; the answers differ only in the number's key and the position.
    const numbers = { grpc: '+15550001001', http: '+15550001002' };
    for (const [text, action] of [['Stop', 'opt-out'], ['START', 'opt-in'], ['stop by at 3?', 'review'], ['see you', 'none']] as const) {
      const sms = plain(await call(commands, 'recordInboundSms', { from: numbers.grpc, body: text, inReplyTo: { purpose: 'marketing' } }, bearer(token)));
      const http = await ledger.request('POST', '/v1/inbound/sms', { token, body: { from: numbers.http, body: text, inReplyTo: { purpose: 'marketing' } } });
      expect(http.status).toBe(200);
      expect(sms).toMatchObject({ action, contactKey: contactKeyOf(numbers.grpc) });
      expect(withoutNulls(http.body)).toMatchObject({ action, contactKey: contactKeyOf(numbers.http) });
      const ignoring = { position: 'p', contactKey: 'k', reviewId: action === 'review' ? 'r' : undefined };
      expect({ ...sms, ...ignoring }).toEqual({ ...withoutNulls(http.body), ...ignoring });
      if (action !== 'review') continue;

      const resolved = plain(await call(commands, 'resolveSmsReview', { reviewId: sms.reviewId, outcome: 'opt-out' }, bearer(token)));
      expect(resolved).toMatchObject({ reviewId: sms.reviewId, contactKey: contactKeyOf(numbers.grpc), outcome: 'opt-out', scope: [expect.objectContaining({ purpose: 'marketing' })] });
      const resolvedHttp = await ledger.request('POST', `/v1/review-queue/${http.body.reviewId}/resolve`, { token, body: { outcome: 'opt-out' } });
      expect(resolvedHttp.status).toBe(200);
      expect({ ...resolved, reviewId: 'r', contactKey: 'k', position: 'p' }).toEqual({ ...resolvedHttp.body, reviewId: 'r', contactKey: 'k', position: 'p' });
      // A repeat appends nothing (so implies no new scope) and answers the first resolution's position, on either edge.
      const repeat = plain(await call(commands, 'resolveSmsReview', { reviewId: sms.reviewId, outcome: 'opt-out' }, bearer(token)));
      const repeatHttp = await ledger.request('POST', `/v1/review-queue/${sms.reviewId}/resolve`, { token, body: { outcome: 'opt-out' } });
      expect(repeat).toEqual({ ...resolved, scope: [] });
      expect(repeat).toEqual(withoutNulls(repeatHttp.body));
      // Another outcome for a resolved item is 409 review-already-resolved: FAILED_PRECONDITION.
      const conflict = await ledger.request('POST', `/v1/review-queue/${sms.reviewId}/resolve`, { token, body: { outcome: 'none' } });
      expect(conflict.status).toBe(409);
      expect(await refusedAlike('resolveSmsReview', { reviewId: sms.reviewId, outcome: 'none' }, conflict)).toBe(status.FAILED_PRECONDITION);
    }

    const badNumber = await ledger.request('POST', '/v1/inbound/sms', { token, body: { from: 'not a number', body: 'STOP' } });
    expect(badNumber.status).toBe(400);
    expect(await refusedAlike('recordInboundSms', { from: 'not a number', body: 'STOP' }, badNumber)).toBe(status.INVALID_ARGUMENT);
    const badPurpose = await ledger.request('POST', '/v1/inbound/sms', { token, body: { from: numbers.grpc, body: 'STOP', inReplyTo: { purpose: 'gossip' } } });
    expect(badPurpose.status).toBe(400);
    expect(await refusedAlike('recordInboundSms', { from: numbers.grpc, body: 'STOP', inReplyTo: { purpose: 'gossip' } }, badPurpose)).toBe(status.INVALID_ARGUMENT);
    const unknownReview = await ledger.request('POST', '/v1/review-queue/00000000-0000-4000-8000-000000000000/resolve', { token, body: { outcome: 'none' } });
    expect(unknownReview.status).toBe(404);
    expect(await refusedAlike('resolveSmsReview', { reviewId: '00000000-0000-4000-8000-000000000000', outcome: 'none' }, unknownReview)).toBe(status.NOT_FOUND);
  });

  it('tenant settings (get, set) answer as over HTTP, under scope admin', async () => {
    // Another tenant, so that its settings leave the other tests alone.
    const admin = await ledger.token('globex', ['admin']);
    const read = async () => {
      const grpc = plain(await call(commands, 'getTenantSettings', {}, bearer(admin)));
      const http = await ledger.request('GET', '/v1/tenant/settings', { token: admin });
      expect(http.status).toBe(200);
      expect(grpc).toEqual(http.body);
      return grpc;
    };
    expect((await read()).settings).toEqual({ timeZone: 'UTC', fundraisingStatementInNotice: false, retentionYears: 6 });

    const settings = { timeZone: 'America/New_York', fundraisingStatementInNotice: true, retentionYears: 7 };
    const set = plain(await call(commands, 'setTenantSettings', settings, bearer(admin)));
    expect(set.settings).toEqual(settings);
    expect(await read()).toEqual(set);
    const setHttp = await ledger.request('PUT', '/v1/tenant/settings', { token: admin, body: settings });
    expect(setHttp.status).toBe(200);
    expect({ ...set, position: 'p' }).toEqual({ ...setHttp.body, position: 'p' });
    // PUT replaces everything: an absent member takes its default, over gRPC as over HTTP.
    const partial = plain(await call(commands, 'setTenantSettings', { timeZone: 'Europe/Paris' }, bearer(admin)));
    expect(partial.settings).toEqual({ timeZone: 'Europe/Paris', fundraisingStatementInNotice: false, retentionYears: 6 });
    expect(await read()).toEqual(partial);

    const tooShort = await ledger.request('PUT', '/v1/tenant/settings', { token: admin, body: { retentionYears: 3 } });
    expect(tooShort.status).toBe(400);
    expect(await refusedAlike('setTenantSettings', { retentionYears: 3 }, tooShort, bearer(admin))).toBe(status.INVALID_ARGUMENT);
    const writer = await ledger.token('globex', ['consent:write']);
    const forbidden = await ledger.request('GET', '/v1/tenant/settings', { token: writer });
    expect(forbidden.status).toBe(403);
    // The same problem, but for the wording of its detail (a gRPC method, not a route).
    expect(await refusedAlike('getTenantSettings', {}, { status: 403, body: { ...forbidden.body, detail: 'This method needs the scope admin.' } }, bearer(writer)))
      .toBe(status.PERMISSION_DENIED);
  });

  it('erasure answers as over HTTP: refused within the retention hold, crypto-shredding outside it, under scope admin', async () => {
    const admin = await ledger.token('acme', ['admin']);
    // An authorization in effect holds the subject's records (H11): 409 retention-hold, FAILED_PRECONDITION over gRPC.
    await call(commands, 'grantAuthorization', { subjectId: 'p-held', authorization: grantBody() }, bearer(token));
    const held = await ledger.request('DELETE', '/v1/subjects/p-held', { token: admin });
    expect(held.status).toBe(409);
    expect(held.body).toMatchObject({ type: 'https://consent-ledger.dev/problems/retention-hold' });
    expect(await refusedAlike('eraseSubject', { subjectId: 'p-held' }, held, bearer(admin))).toBe(status.FAILED_PRECONDITION);
    // Scope admin on both edges: consent:write alone is 403, PERMISSION_DENIED.
    const writer = await ledger.token('acme', ['consent:write']);
    const forbidden = await ledger.request('DELETE', '/v1/subjects/p-held', { token: writer });
    expect(forbidden.status).toBe(403);
    expect(await refusedAlike('eraseSubject', { subjectId: 'p-held' }, { status: 403, body: { ...forbidden.body, detail: 'This method needs the scope admin.' } }, bearer(writer)))
      .toBe(status.PERMISSION_DENIED);

    // No authorization: nothing holds the erasure.
    const linked = await call<{ contactKey: string }>(commands, 'linkContact', { subjectId: 'p-gone', type: 'email', value: 'gone.grpc@example.com' }, bearer(token));
    const erased = plain(await call(commands, 'eraseSubject', { subjectId: 'p-gone' }, bearer(admin)));
    expect(erased).toEqual({
      subjectId: 'p-gone', erased: true, erasedAt: expect.any(String), contactKeysErased: [linked.contactKey], documentsDeleted: 0, position: expect.any(String),
    });
    // A repeat over HTTP answers the same erasure (its position included).
    const again = await ledger.request('DELETE', '/v1/subjects/p-gone', { token: admin });
    expect(again.status).toBe(200);
    expect(erased).toEqual(again.body);

    const unknown = await ledger.request('DELETE', '/v1/subjects/p-never', { token: admin });
    expect(unknown.status).toBe(404);
    expect(await refusedAlike('eraseSubject', { subjectId: 'p-never' }, unknown, bearer(admin))).toBe(status.NOT_FOUND);
  });
});
