import { issueToken, KeySet, TokenVerifier } from '@app/security';

describe('verified-token memory', () => {
  afterEach(() => jest.useRealTimers());

  it('answers a token verified before without verifying it again, and never past its exp', async () => {
    const start = new Date('2026-11-23T12:00:00Z');
    jest.useFakeTimers({ now: start, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const keys = KeySet.fromKeys([await KeySet.generate(start)]);
    const verifier = new TokenVerifier(keys, undefined, { clockToleranceSeconds: 0 });
    const token = await issueToken(keys, { tenant: 't1', scopes: ['eligibility:check'], ttlSeconds: 30 }, start);
    const first = await verifier.verify(token);
    expect(first).toMatchObject({ tenantId: 't1', actor: 'ledgerctl' });
    expect(await verifier.verify(token)).toBe(first);

    jest.setSystemTime(new Date(start.getTime() + 31_000));
    await expect(verifier.verify(token)).rejects.toThrow();
  });

  it('re-verifies a remembered token after at most a minute (a key withdrawn meanwhile then refuses it)', async () => {
    const start = new Date('2026-11-23T12:00:00Z');
    jest.useFakeTimers({ now: start, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const signer = KeySet.fromKeys([await KeySet.generate(start)]);
    const token = await issueToken(signer, { tenant: 't1', scopes: ['consent:read'], ttlSeconds: 3600 }, start);
    const verifier = new TokenVerifier(signer, undefined, { clockToleranceSeconds: 0 });
    const first = await verifier.verify(token);
    jest.setSystemTime(new Date(start.getTime() + 30_000));
    expect(await verifier.verify(token)).toBe(first);
    jest.setSystemTime(new Date(start.getTime() + 61_000));
    const again = await verifier.verify(token);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('a forged token is refused even when a genuine one with the same claims is remembered', async () => {
    const keys = KeySet.fromKeys([await KeySet.generate(new Date())]);
    const verifier = new TokenVerifier(keys);
    const token = await issueToken(keys, { tenant: 't1', scopes: ['admin'], ttlSeconds: 600 });
    await verifier.verify(token);
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${payload}.${signature.slice(0, -4)}AAAA`;
    await expect(verifier.verify(forged)).rejects.toThrow();
  });
});
