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
});
