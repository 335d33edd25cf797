import { KeySet } from '@app/security';
import { startLedger, type TestLedger } from '../../../../test/support/ledger';
import { grantBody } from '../fixtures';

/** Issue 7: decision receipts — a compact JWS over a check's answer that an auditor can verify years later. */
describe('decision receipts', () => {
  let ledger: TestLedger;
  let token: string;
  let auditor: string;
  let receipt: string;
  const question = { subjectId: 'p-1001', channel: 'email', purpose: 'marketing' };

  beforeAll(async () => {
    ledger = await startLedger();
    token = await ledger.token('acme', ['consent:write', 'eligibility:check']);
    auditor = await ledger.token('acme', ['audit:read']);
    const granted = await ledger.request('POST', '/v1/subjects/p-1001/authorizations', { token, body: grantBody() });
    expect(granted.status).toBe(201);
    const checked = await ledger.request('POST', '/v1/eligibility/check', {
      token, body: { ...question, minPosition: granted.body.position }, headers: { prefer: 'return=minimal, receipt' },
    });
    expect(checked.status).toBe(200);
    expect(checked.body.decision).toBe('ALLOW');
    expect(checked.headers['preference-applied']).toBe('receipt');
    receipt = checked.body.receipt;
  });
  afterAll(() => ledger.close());

  it('is answered only when the request asks for it (Prefer: receipt), as a compact JWS with a kid', async () => {
    const plain = await ledger.request('POST', '/v1/eligibility/check', { token, body: question });
    expect(plain.body.receipt).toBeUndefined();
    expect(receipt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const header = JSON.parse(Buffer.from(receipt.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'ES256', kid: ledger.app.get(KeySet).activeKid, typ: 'consent-receipt+jws' });
    const claims = JSON.parse(Buffer.from(receipt.split('.')[1], 'base64url').toString());
    expect(claims).toEqual(expect.objectContaining({
      tenant: 'acme', decision: 'ALLOW', reasons: ['AUTHORIZED'], authorizationId: 'auth-1', position: expect.stringMatching(/^\d+$/),
      question: expect.objectContaining({ subjectId: 'p-1001', channel: 'email', purpose: 'marketing', contactKey: null }),
    }));
  });

  it('verifies: a valid signature, true at its position, and still ALLOW now', async () => {
    const verified = await ledger.request('POST', '/v1/audit/receipts/verify', { token: auditor, body: { receipt } });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual(expect.objectContaining({
      signatureValid: true,
      atPosition: { decision: 'ALLOW', reasons: ['AUTHORIZED'], matches: true },
      now: expect.objectContaining({ decision: 'ALLOW' }),
    }));
  });

  it('the same receipt with one character changed does not verify', async () => {
    const [h, p, s] = receipt.split('.');
    const i = Math.floor(p.length / 2);
    const tampered = `${h}.${p.slice(0, i)}${p[i] === 'A' ? 'B' : 'A'}${p.slice(i + 1)}.${s}`;
    const verified = await ledger.request('POST', '/v1/audit/receipts/verify', { token: auditor, body: { receipt: tampered } });
    expect(verified.status).toBe(200);
    expect(verified.body.signatureValid).toBe(false);
    expect(verified.body.atPosition).toBeUndefined();
    const forgedSignature = `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    expect((await ledger.request('POST', '/v1/audit/receipts/verify', { token: auditor, body: { receipt: forgedSignature } })).body.signatureValid).toBe(false);
  });

  it('issued before a revocation, still true at its position; the re-evaluation says DENY now', async () => {
    ledger.clock.advance(3_600_000);
    const revoked = await ledger.request('POST', '/v1/subjects/p-1001/authorizations/auth-1/revoke', { token, body: { receivedVia: 'portal' } });
    expect(revoked.status).toBe(200);
    const verified = await ledger.request('POST', '/v1/audit/receipts/verify', { token: auditor, body: { receipt } });
    expect(verified.body).toEqual(expect.objectContaining({
      signatureValid: true,
      atPosition: { decision: 'ALLOW', reasons: ['AUTHORIZED'], matches: true },
      now: expect.objectContaining({ decision: 'DENY', reasons: expect.arrayContaining(['AUTHORIZATION_REVOKED']) }),
    }));
  });

  it('still verifies after the embedded key set is rotated (old keys stay for verification)', async () => {
    const keys = ledger.app.get(KeySet);
    const before = keys.activeKid;
    const kid = await keys.rotate(new Date('2026-11-24T00:00:00Z'));
    expect(kid).not.toBe(before);
    expect(keys.publicJwks().keys.map((k) => k.kid)).toEqual(expect.arrayContaining([before, kid]));
    const verified = await ledger.request('POST', '/v1/audit/receipts/verify', { token: auditor, body: { receipt } });
    expect(verified.body.signatureValid).toBe(true);
    expect(verified.body.kid).toBe(before);
  });

  it("is another tenant's business: 404, and needs audit:read", async () => {
    expect((await ledger.request('POST', '/v1/audit/receipts/verify', { token: await ledger.token('globex', ['audit:read']), body: { receipt } })).status).toBe(404);
    expect((await ledger.request('POST', '/v1/audit/receipts/verify', { token, body: { receipt } })).status).toBe(403);
    expect((await ledger.request('POST', '/v1/audit/receipts/verify', { token: auditor, body: { receipt: 'not a jws' } })).status).toBe(400);
  });
});
