import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLedger, type TestLedger } from '../../../../test/support/ledger';
import { grantBody } from '../fixtures';

/** The bulk scrub of API.md: CSV and NDJSON in and out, input order kept, malformed lines reported in place. */
describe('POST /v1/eligibility/scrub', () => {
  let ledger: TestLedger;
  let token: string;
  let head: string;

  beforeAll(async () => {
    ledger = await startLedger();
    token = await ledger.token('acme');
    await ledger.request('POST', '/v1/subjects/p-1/contacts', { token, body: { type: 'email', value: 'one@example.com' } });
    await ledger.request('POST', '/v1/subjects/p-1/authorizations', { token, body: grantBody() });
    await ledger.request('POST', '/v1/subjects/p-2/contacts', { token, body: { type: 'email', value: 'two@example.com' } });
    const optOut = await ledger.request('POST', '/v1/contacts/opt-out', {
      token, body: { type: 'email', value: 'three@example.com', purpose: '*', channel: 'email', source: 'one-click' },
    });
    head = optOut.body.position;
  });
  afterAll(() => ledger.close());

  const scrub = (query: string, body: string, contentType: string, headers: Record<string, string> = {}) =>
    ledger.app.inject({
      method: 'POST', url: `/v1/eligibility/scrub?${query}&minPosition=${head}`, payload: body,
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType, ...headers },
    });

  it('answers a list sent again with the same Idempotency-Key afresh: a streamed answer is not kept', async () => {
    const list = 'subjectId,email\np-1,one@example.com\np-2,two@example.com\n';
    const first = await scrub('channel=email&purpose=marketing', list, 'text/csv', { 'idempotency-key': 'scrub-1' });
    const again = await scrub('channel=email&purpose=marketing', list, 'text/csv', { 'idempotency-key': 'scrub-1' });
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    expect(again.headers['content-type']).toMatch(/^text\/csv/);
    expect(again.body).toBe(first.body);
    expect(first.body.split('\n')[1]).toMatch(/^p-1,one@example.com,ALLOW/);
  });

  it('answers a CSV list line by line in input order, with a header, ERROR for malformed lines', async () => {
    const list = [
      'subjectId,email,segment',
      'p-1,one@example.com,a',
      'p-2,two@example.com,b',
      ',three@example.com,c',
      'p-9,,d',
      'p-1,not-an-email,e',
      'p-2,two@example.com',
      ',,f',
    ].join('\n');
    const response = await scrub('channel=email&purpose=marketing', list, 'text/csv');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.body.trim().split('\n')).toEqual([
      'subjectId,email,segment,decision,reasons',
      'p-1,one@example.com,a,ALLOW,AUTHORIZED',
      'p-2,two@example.com,b,DENY,NO_AUTHORIZATION',
      ',three@example.com,c,DENY,NO_AUTHORIZATION|CONTACT_OPTED_OUT',
      'p-9,,d,DENY,NO_AUTHORIZATION|UNKNOWN_SUBJECT',
      'p-1,not-an-email,e,ERROR,MALFORMED_LINE',
      'p-2,two@example.com,,ERROR,MALFORMED_LINE',
      ',,f,ERROR,MALFORMED_LINE',
    ]);
  });

  it('answers NDJSON with a final summary line, and the trailer to clients that ask for it', async () => {
    const list = [
      JSON.stringify({ subjectId: 'p-1', email: 'one@example.com', campaign: 7 }),
      '{not json',
      JSON.stringify({ email: 'three@example.com' }),
      JSON.stringify({ phone: '+1 (555) 123-4567' }),
    ].join('\n');
    const response = await scrub('channel=email&category=third-party-product&thirdPartyRemuneration=true', list, 'application/x-ndjson');
    expect(response.statusCode).toBe(200);
    const lines = response.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { subjectId: 'p-1', email: 'one@example.com', campaign: 7, decision: 'ALLOW', reasons: ['AUTHORIZED'] },
      { decision: 'ERROR', reasons: ['MALFORMED_LINE'], line: 2 },
      { email: 'three@example.com', decision: 'DENY', reasons: ['NO_AUTHORIZATION', 'CONTACT_OPTED_OUT'] },
      { phone: '+1 (555) 123-4567', decision: 'ERROR', reasons: ['MALFORMED_LINE'], line: 4 },
      { summary: { total: 4, allowed: 1, denied: 1, errors: 2, byReason: { AUTHORIZED: 1, MALFORMED_LINE: 2, NO_AUTHORIZATION: 1, CONTACT_OPTED_OUT: 1 } } },
    ]);
    // Trailers need a real HTTP/1.1 exchange (chunked encoding), not an injected request.
    await ledger.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = ledger.app.getHttpServer().address() as AddressInfo;
    const trailers = await new Promise<NodeJS.Dict<string>>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1', port, method: 'POST', path: `/v1/eligibility/scrub?channel=email&purpose=marketing&minPosition=${head}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson', te: 'trailers' },
      }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.trailers));
      });
      req.on('error', reject);
      req.end(list);
    });
    expect(JSON.parse(String(trailers['x-scrub-summary']))).toEqual({
      total: 4, allowed: 1, denied: 1, errors: 2, byReason: { AUTHORIZED: 1, NO_AUTHORIZATION: 1, MALFORMED_LINE: 2, CONTACT_OPTED_OUT: 1 },
    });
  });

  it('answers in the format the client accepts', async () => {
    const response = await scrub('channel=email&purpose=treatment', 'subjectId\np-1\np-2\n', 'text/csv', { accept: 'application/x-ndjson' });
    expect(response.body.trim().split('\n').map((l) => JSON.parse(l)).slice(0, 2)).toEqual([
      { subjectId: 'p-1', decision: 'ALLOW', reasons: ['TREATMENT_EXEMPT'] },
      { subjectId: 'p-2', decision: 'ALLOW', reasons: ['TREATMENT_EXEMPT'] },
    ]);
  });

  it('refuses a list without an identifier column, a wrong query and another media type with problems', async () => {
    const noIds = await scrub('channel=email&purpose=marketing', 'name,segment\nJane,a\n', 'text/csv');
    expect(noIds.statusCode).toBe(400);
    expect(noIds.headers['content-type']).toMatch(/problem\+json/);
    expect(JSON.parse(noIds.body).detail).not.toContain('Jane');
    expect((await scrub('channel=pigeon&purpose=marketing', 'subjectId\np-1\n', 'text/csv')).statusCode).toBe(400);
    expect((await scrub('channel=email', 'subjectId\np-1\n', 'text/csv')).statusCode).toBe(400);
    expect((await scrub('channel=email&purpose=marketing', '<xml/>', 'application/xml')).statusCode).toBe(415);
  });

  it("never answers with another tenant's decisions", async () => {
    const other = await ledger.token('globex');
    const response = await ledger.app.inject({
      method: 'POST', url: `/v1/eligibility/scrub?channel=email&purpose=marketing&minPosition=${head}`, payload: 'subjectId,email\np-1,one@example.com\n',
      headers: { authorization: `Bearer ${other}`, 'content-type': 'text/csv' },
    });
    expect(response.body.trim().split('\n')[1]).toBe('p-1,one@example.com,DENY,NO_AUTHORIZATION|UNKNOWN_SUBJECT');
  });
});

describe('scrub receipts', () => {
  it('signs the summary with a digest of the exact list; the receipt verifies and one changed character does not', async () => {
    const ledger = await startLedger();
    try {
      const token = await ledger.token('acme');
      const list = '{"subjectId":"p-1"}\n{"subjectId":"p-2"}\n';
      const response = await ledger.app.inject({
        method: 'POST', url: '/v1/eligibility/scrub?channel=email&purpose=treatment', payload: list,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson', prefer: 'receipt' },
      });
      expect(response.headers['preference-applied']).toBe('receipt');
      const { summary } = JSON.parse(response.body.trim().split('\n').pop()!);
      expect(summary.receipt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      const verified = await ledger.request('POST', '/v1/audit/receipts/verify', { token, body: { receipt: summary.receipt } });
      expect(verified.status).toBe(200);
      expect(verified.body).toEqual(expect.objectContaining({ signatureValid: true }));
      expect(verified.body.claims).toEqual(expect.objectContaining({
        kind: 'scrub', tenant: 'acme', inputSha256: createHash('sha256').update(list).digest('hex'),
        summary: { total: 2, allowed: 2, denied: 0, errors: 0, byReason: { TREATMENT_EXEMPT: 2 } },
      }));
      const tampered = summary.receipt.slice(0, 40) + (summary.receipt[40] === 'A' ? 'B' : 'A') + summary.receipt.slice(41);
      expect((await ledger.request('POST', '/v1/audit/receipts/verify', { token, body: { receipt: tampered } })).body.signatureValid).toBe(false);
    } finally {
      await ledger.close();
    }
  });
});

describe('scrub access log', () => {
  it('records one access-log entry per scrub, with how many lines it answered', async () => {
    const ledger = await startLedger();
    try {
      const token = await ledger.token('acme');
      const response = await ledger.app.inject({
        method: 'POST', url: '/v1/eligibility/scrub?channel=email&purpose=treatment', payload: 'subjectId\np-1\np-2\np-3\n',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      });
      expect(response.statusCode).toBe(200);
      // The entry is written once the answer has been sent (it counts the lines answered): it may trail the response.
      let scrubs: { action: string; subjectCount: number }[] = [];
      for (const deadline = Date.now() + 5_000; scrubs.length === 0 && Date.now() < deadline;) {
        const log = await ledger.request('GET', '/v1/audit/access', { token });
        scrubs = log.body.entries.filter((e: { action: string }) => e.action === 'eligibility-scrub');
        if (scrubs.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(scrubs).toHaveLength(1);
      expect(scrubs[0].subjectCount).toBe(3);
    } finally {
      await ledger.close();
    }
  });
});
