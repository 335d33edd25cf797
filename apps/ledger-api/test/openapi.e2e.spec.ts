import { startLedger, type TestLedger } from '../../../test/support/ledger';

/** API.md: the OpenAPI generated from the code is served at /docs (JSON at /docs-json) and agrees with the contract. */
describe('OpenAPI at /docs-json', () => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startLedger();
  });
  afterAll(() => ledger.close());

  it('describes every route of API.md that the ledger serves', async () => {
    const response = await ledger.request('GET', '/docs-json');
    expect(response.status).toBe(200);
    const paths = Object.keys(response.body.paths);
    for (const path of [
      '/v1/subjects/{subjectId}/authorizations',
      '/v1/subjects/{subjectId}/authorizations/{authorizationId}/revoke',
      '/v1/subjects/{subjectId}/authorizations/{authorizationId}/copy-provided',
      '/v1/subjects/{subjectId}/authorizations/{authorizationId}/document',
      '/v1/subjects/{subjectId}/esign-consent',
      '/v1/expiration-events',
      '/v1/subjects/{subjectId}/preferences',
      '/v1/subjects/{subjectId}/contacts',
      '/v1/subjects/{subjectId}/contacts/{contactKey}',
      '/v1/contacts/opt-out',
      '/v1/contacts/opt-in',
      '/v1/inbound/sms',
      '/v1/tenant/settings',
      '/v1/subjects/{subjectId}',
      '/v1/eligibility/check',
      '/v1/eligibility/scrub',
      '/v1/subjects/{subjectId}/history',
      '/v1/audit/verify',
    ]) {
      expect(paths).toContain(path);
    }
  });
});
