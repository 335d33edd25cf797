import { canonicalJson, eventHash, sha256Hex } from './hash-chain';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('follows JSON.stringify for undefined, toJSON and escapes', () => {
    expect(canonicalJson({ a: undefined, b: [undefined], c: new Date('2026-01-01T00:00:00Z'), d: 'é"\n' }))
      .toBe('{"b":[null],"c":"2026-01-01T00:00:00.000Z","d":"é\\"\\n"}');
  });

  it('gives the same text for a value and for that value read back from JSON', () => {
    const value = { n: [0.1, 1e21, -0, 123456789.125], s: '😀' };
    expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(canonicalJson(value));
  });

  it('refuses what JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ n: NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });
});

describe('eventHash', () => {
  const content = { streamId: 's', revision: 0, id: '00000000-0000-4000-8000-000000000000', type: 't', data: { a: 1 }, metadata: { tenantId: 'x' } };

  it('hashes the canonical content followed by the previous hash', () => {
    const text = '{"data":{"a":1},"id":"00000000-0000-4000-8000-000000000000","metadata":{"tenantId":"x"},"revision":0,"streamId":"s","type":"t"}';
    expect(eventHash(content, null)).toBe(sha256Hex(text));
    expect(eventHash(content, 'abc')).toBe(sha256Hex(`${text}abc`));
  });

  it('changes with any field', () => {
    expect(eventHash({ ...content, revision: 1 }, null)).not.toBe(eventHash(content, null));
    expect(eventHash({ ...content, data: { a: 2 } }, null)).not.toBe(eventHash(content, null));
  });
});
