import { createHash } from 'node:crypto';
import fc from 'fast-check';
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

  it('is, for any JSON value, its JSON text with the keys of every object sorted', () => {
    // The definition, written the plain way: the canonical text must be exactly this.
    const definition = (v: unknown): string => (v === null || typeof v !== 'object' ? JSON.stringify(v)
      : Array.isArray(v) ? `[${v.map(definition).join(',')}]`
        : `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${definition((v as Record<string, unknown>)[k])}`).join(',')}}`);
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(canonicalJson(value)).toBe(definition(value));
    }), { numRuns: 1000 });
  });

  it('refuses what JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ n: NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });
});

describe('sha256Hex', () => {
  it('is the hex SHA-256 of the UTF-8 bytes', () => {
    for (const text of ['', 'abc', 'é"😀\n', 'x'.repeat(10_000)]) {
      expect(sha256Hex(text)).toBe(createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
    }
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
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
