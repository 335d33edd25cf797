import { ConfigError, loadConfig } from '@app/platform';
import { KeySet, TokenVerifier } from '@app/security';

describe('configured issuers', () => {
  it('keeps JWT_ISSUER / JWT_AUDIENCE / JWT_JWKS_URL and adds every JWT_ISSUERS entry', () => {
    const config = loadConfig({
      JWT_ISSUER: 'https://a.example', JWT_AUDIENCE: 'ledger', JWT_JWKS_URL: 'https://a.example/jwks',
      JWT_ISSUERS: JSON.stringify([{ issuer: 'https://b.example', audience: ['ledger'], jwksUrl: 'https://b.example/jwks', algorithms: ['ES256'] }]),
    });
    expect(config.jwtIssuers).toEqual([
      { issuer: 'https://a.example', audience: 'ledger', jwksUrl: 'https://a.example/jwks' },
      expect.objectContaining({ issuer: 'https://b.example', audience: ['ledger'], algorithms: ['ES256'] }),
    ]);
  });

  it.each([
    ['not JSON', '{'],
    ['no audience', JSON.stringify([{ issuer: 'i', jwksUrl: 'https://i/jwks' }])],
    ['a shared-secret algorithm', JSON.stringify([{ issuer: 'i', audience: 'a', jwksUrl: 'https://i/jwks', algorithms: ['HS256'] }])],
    ['alg none', JSON.stringify([{ issuer: 'i', audience: 'a', jwksUrl: 'https://i/jwks', algorithms: ['none'] }])],
    ['a JWKS URL that is not http(s)', JSON.stringify([{ issuer: 'i', audience: 'a', jwksUrl: 'file:///etc/passwd' }])],
  ])('stops start-up naming JWT_ISSUERS for %s', (_name, value) => {
    expect(() => loadConfig({ JWT_ISSUERS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ JWT_ISSUERS: value })).toThrow(/JWT_ISSUERS/);
  });

  it('the verifier refuses to be pinned to HS256 or none, and to configure the embedded issuer', async () => {
    const keys = KeySet.fromKeys([await KeySet.generate(new Date())]);
    expect(() => new TokenVerifier(keys, { issuer: 'i', audience: 'a', jwksUrl: 'https://i/jwks', algorithms: ['HS256'] })).toThrow(/asymmetric/);
    expect(() => new TokenVerifier(keys, { issuer: 'i', audience: 'a', jwksUrl: 'https://i/jwks', algorithms: ['none'] })).toThrow(/asymmetric/);
    expect(() => new TokenVerifier(keys, { issuer: 'urn:consent-ledger:embedded', jwksUrl: 'https://i/jwks' })).toThrow(/embedded/);
  });

  it('rotation keeps the old public keys and signs with the new one', async () => {
    const keys = KeySet.fromKeys([await KeySet.generate(new Date())]);
    const first = keys.activeKid;
    const second = await keys.rotate();
    expect(keys.activeKid).toBe(second);
    expect(keys.publicJwks().keys.map((k) => k.kid)).toEqual([first, second]);
    expect(keys.publicJwks().keys.every((k) => k.d === undefined)).toBe(true);
  });
});
