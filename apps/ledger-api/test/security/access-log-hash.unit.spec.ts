import fc from 'fast-check';
import { canonicalJson } from '@app/event-store';
import { hashedContent, hashedText } from '../../src/audit/access-log/access-log';

/** The access log's entry text, written out member by member, is the canonical JSON its hash is defined over. */
describe('access-log entry text', () => {
  const text = fc.string({ unit: 'binary' });
  const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
  const entry = fc.record({
    tenantId: text, seq: fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }).map(String), id: fc.uuid(), at: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    action: text, method: text, route: text, actor: text, clientId: nullable(text), issuer: nullable(text), subjectId: nullable(text),
    contactKey: nullable(text), subjectCount: nullable(fc.integer()), underAuthorization: nullable(fc.boolean()), status: fc.integer({ min: 100, max: 599 }),
    correlationId: nullable(text),
  });

  it('equals canonicalJson of the hashed content for any entry', () => {
    fc.assert(fc.property(entry, (e) => expect(hashedText(e)).toBe(canonicalJson(hashedContent(e)))), { numRuns: 1000 });
  });

  it('equals it for an entry as the ledger writes one', () => {
    const e = {
      tenantId: 'acme', seq: '42', id: '0b7f0a52-63a4-4d41-9b8e-8b1b3c1f3a77', at: '2026-11-24T16:00:00.000Z', action: 'eligibility-check',
      method: 'POST', route: '/v1/eligibility/check', actor: 'crm "quoted" \u2028', clientId: null, issuer: 'https://issuer.example', subjectId: 'p-1',
      contactKey: null, subjectCount: null, underAuthorization: true, status: 200, correlationId: 'c-1',
    };
    expect(hashedText(e)).toBe(canonicalJson(hashedContent(e)));
  });
});
