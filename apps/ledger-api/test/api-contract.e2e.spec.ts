import { startLedger, type TestLedger } from '../../../test/support/ledger';
import { grantBody, routeCases, type RouteCase } from './fixtures';

/**
 * The contract every route keeps (API.md "Errors and access"): 401 without a token, 403 without the scope,
 * 404 for another tenant's resources, problem+json for every shape error, and nothing appended on refusal.
 */
describe('every route', () => {
  let ledger: TestLedger;
  let write: string;
  let contactKey: string;
  let cases: RouteCase[];

  beforeAll(async () => {
    ledger = await startLedger();
    write = await ledger.token('acme');
    await ledger.request('POST', '/v1/subjects/p-1001/authorizations', { token: write, body: grantBody() });
    const linked = await ledger.request('POST', '/v1/subjects/p-1001/contacts', { token: write, body: { type: 'email', value: 'jane@example.com' } });
    contactKey = linked.body.contactKey;
    cases = routeCases(contactKey);
  });
  afterAll(() => ledger.close());

  const eventCount = async () => (await ledger.store.readAll({ maxCount: 1_000_000 })).length;
  const send = (route: RouteCase, token: string | undefined, body = route.body, query = '') =>
    ledger.request(route.method, `${route.url}${query ? `?${query}` : ''}`, { token, body });
  const expectProblem = (response: { status: number; headers: Record<string, unknown>; body: any }, status: number) => {
    expect(response.status).toBe(status);
    expect(String(response.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(response.body).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) }));
  };

  it('refuses a request without a token with 401, appending nothing', async () => {
    for (const route of cases) {
      const before = await eventCount();
      expectProblem(await send(route, undefined), 401);
      expect(await eventCount()).toBe(before);
    }
  });

  it('refuses an invalid or foreign-signed token with 401', async () => {
    const forged = `${write.slice(0, write.lastIndexOf('.'))}.${Buffer.from('not the signature').toString('base64url')}`;
    for (const route of cases) expectProblem(await send(route, forged), 401);
  });

  it('refuses a token without the route scope with 403, appending nothing', async () => {
    for (const route of cases) {
      const others = ['consent:write', 'consent:read', 'eligibility:check', 'audit:read', 'admin'].filter((s) =>
        s !== route.scope && !(route.name === 'read history' && s === 'consent:read'));
      const token = await ledger.token('acme', others);
      const before = await eventCount();
      expectProblem(await send(route, token), 403);
      expect(await eventCount()).toBe(before);
    }
  });

  it("answers 404 to another tenant's token for every route that addresses a subject's resources", async () => {
    const other = await ledger.token('globex');
    for (const route of cases.filter((r) => r.addressesExisting)) {
      const before = await eventCount();
      expectProblem(await send(route, other), 404);
      expect(await eventCount()).toBe(before);
    }
  });

  it("never lets another tenant's writes reach this tenant's subject", async () => {
    const other = await ledger.token('globex');
    const check = await ledger.request('POST', '/v1/eligibility/check', {
      token: other, body: { subjectId: 'p-1001', channel: 'email', purpose: 'marketing' },
    });
    expect(check.body.decision).toBe('DENY');
    expect(check.body.reasons.map((r: { code: string }) => r.code)).toEqual(expect.arrayContaining(['NO_AUTHORIZATION', 'UNKNOWN_SUBJECT']));
    const before = await ledger.request('GET', '/v1/subjects/p-1001/history', { token: write });
    for (const route of cases.filter((r) => !r.addressesExisting && r.method !== 'GET')) await send(route, other);
    const after = await ledger.request('GET', '/v1/subjects/p-1001/history', { token: write });
    expect(after.body.events).toEqual(before.body.events);
  });

  it('refuses every malformed body or query with a 400 problem listing the fields, appending nothing', async () => {
    for (const route of cases) {
      for (const [label, body] of Object.entries(route.invalid)) {
        const before = await eventCount();
        const response = await send(route, write, body);
        try {
          expectProblem(response, 400);
          expect(response.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.any(String), message: expect.any(String) })]));
        } catch (error) {
          throw new Error(`${route.name} / ${label}: ${JSON.stringify(response.body)}\n${String(error)}`);
        }
        expect(await eventCount()).toBe(before);
      }
      for (const [label, query] of Object.entries(route.invalidQuery ?? {})) {
        const response = await send(route, write, undefined, query);
        if (response.status !== 400) throw new Error(`${route.name} / ${label}: ${response.status} ${JSON.stringify(response.body)}`);
        expectProblem(response, 400);
      }
    }
  });

  it('refuses a body over 1 MiB with 413 and invalid JSON with 400, appending nothing', async () => {
    for (const route of cases.filter((r) => r.body !== undefined)) {
      const before = await eventCount();
      const huge = JSON.stringify({ ...route.body, padding: 'x'.repeat(1024 * 1024) });
      expectProblem(await ledger.request(route.method, route.url, { token: write, payload: huge }), 413);
      expectProblem(await ledger.request(route.method, route.url, { token: write, payload: '{"purpose": ' }), 400);
      expect(await eventCount()).toBe(before);
    }
  });

  it('accepts every valid request with a 2xx answer', async () => {
    for (const route of cases) {
      const response = await send(route, write);
      if (response.status >= 300) throw new Error(`${route.name}: ${response.status} ${JSON.stringify(response.body)}`);
    }
  });
});
