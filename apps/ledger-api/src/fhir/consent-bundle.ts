import { createHash } from 'node:crypto';
import { type AuthorizationRecord, authorizationStatusAt, type PreferenceFact, type SubjectState } from '@app/domain';

/*
 * FHIR R4 Consent resources from a subject's folded state: one per authorization and one per preference. Pure; the
 * controller loads the state. Codes come from HL7 terminology where one exists; the ledger's own codes and
 * extensions live under LEDGER_FHIR (docs/api.md, "FHIR").
 */

export const LEDGER_FHIR = 'https://consent-ledger.dev/fhir';
export const EXT = {
  channels: `${LEDGER_FHIR}/StructureDefinition/channels`,
  documentSha256: `${LEDGER_FHIR}/StructureDefinition/document-sha256`,
  form: `${LEDGER_FHIR}/StructureDefinition/form`,
  informationDescription: `${LEDGER_FHIR}/StructureDefinition/information-description`,
  purposeStatement: `${LEDGER_FHIR}/StructureDefinition/purpose-statement`,
  remuneration: `${LEDGER_FHIR}/StructureDefinition/remuneration`,
  statements: `${LEDGER_FHIR}/StructureDefinition/required-statements`,
  signer: `${LEDGER_FHIR}/StructureDefinition/signer`,
} as const;
export const AUTHORIZATION_ID_SYSTEM = `${LEDGER_FHIR}/authorization-id`;
export const CHANNEL_SYSTEM = `${LEDGER_FHIR}/CodeSystem/channel`;
export const PURPOSE_SYSTEM = `${LEDGER_FHIR}/CodeSystem/purpose`;
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';

/** HL7 v3 ActReason for each purpose of use (the ledger's own code beside it keeps the exact purpose). */
export const PURPOSE_OF_USE: Record<string, { code: string; display: string }> = {
  treatment: { code: 'TREAT', display: 'treatment' },
  payment: { code: 'HPAYMT', display: 'healthcare payment' },
  operations: { code: 'HOPERAT', display: 'healthcare operations' },
  marketing: { code: 'HMARKT', display: 'healthcare marketing' },
  fundraising: { code: 'HMARKT', display: 'healthcare marketing' },
  research: { code: 'HRESCH', display: 'healthcare research' },
};

const SCOPE = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy', display: 'Privacy Consent' }] };
const CATEGORY = [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }];
const HIPAA_AUTHORIZATION = { authority: 'https://www.hhs.gov/hipaa', uri: 'https://www.ecfr.gov/current/title-45/section-164.508' };
const HIPAA_PREFERENCE = { authority: 'https://www.hhs.gov/hipaa', uri: 'https://www.ecfr.gov/current/title-45/section-164.522' };

type Json = Record<string, unknown>;

/** A stable urn:uuid for a resource of this ledger (RFC 9562 v8 layout from a SHA-256). */
function urn(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function purposeCodings(purpose: string): Json[] {
  const hl7 = PURPOSE_OF_USE[purpose];
  return [...(hl7 ? [{ system: ACT_REASON, code: hl7.code, display: hl7.display }] : []), { system: PURPOSE_SYSTEM, code: purpose }];
}

/** When the authorization stopped being in effect (revocation, expiry event, invalidation), or its expiry date. */
function endOf(record: AuthorizationRecord): string | undefined {
  const ends = [record.revocation?.effectiveAt, record.expiry?.effectiveAt, record.invalidation?.effectiveAt, record.expiresAt ?? undefined]
    .filter((t): t is string => typeof t === 'string')
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  return ends[0];
}

export function authorizationConsent(tenantId: string, subjectId: string, record: AuthorizationRecord, now: string): Json {
  const status = authorizationStatusAt(record, now, now);
  const end = endOf(record);
  const documentUrl = `/v1/subjects/${encodeURIComponent(subjectId)}/authorizations/${encodeURIComponent(record.authorizationId)}/document`;
  return {
    resourceType: 'Consent',
    meta: { lastUpdated: [record.recordedAt, record.revocation?.recordedAt, record.expiry?.recordedAt, record.invalidation?.recordedAt]
      .filter((t): t is string => typeof t === 'string').sort().pop() },
    identifier: [{ system: AUTHORIZATION_ID_SYSTEM, value: record.authorizationId }],
    extension: [
      { url: EXT.form, valueString: `${record.formId}@${record.formVersion}` },
      { url: EXT.channels, valueCodeableConcept: { coding: record.channels.map((c) => ({ system: CHANNEL_SYSTEM, code: c })) } },
      ...(record.documentSha256 ? [{ url: EXT.documentSha256, valueString: record.documentSha256 }] : []),
    ],
    // FHIR has no state for an authorization awaiting its written revocation: it is still in effect (H9).
    status: status === 'active' || status === 'revocation-requested' || status === 'pending' ? 'active' : 'inactive',
    scope: SCOPE,
    category: CATEGORY,
    patient: { reference: `Patient/${subjectId}` },
    dateTime: record.effectiveAt,
    performer: [{ reference: `Patient/${subjectId}`, ...(record.signature.signerRole === 'self' ? {} : { display: 'personal representative' }) }],
    organization: record.disclosers.map((display) => ({ display })),
    sourceAttachment: {
      contentType: 'application/pdf',
      url: documentUrl,
      title: `${record.formId} ${record.formVersion} signed ${record.signature.method === 'paper' ? 'on paper' : 'electronically'}`,
      creation: record.effectiveAt,
    },
    policy: [HIPAA_AUTHORIZATION],
    provision: {
      type: 'permit',
      period: { start: record.effectiveAt, ...(end ? { end } : {}) },
      actor: record.recipients.map((display) => ({
        role: { coding: [{ system: PARTICIPATION, code: 'IRCP', display: 'information recipient' }] },
        reference: { display },
      })),
      action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'disclose' }] }],
      purpose: record.purposes.flatMap(purposeCodings),
    },
  };
}

export function preferenceConsent(tenantId: string, subjectId: string, fact: PreferenceFact, index: number, current: boolean): Json {
  const purposes = fact.purpose === '*' ? Object.keys(PURPOSE_OF_USE) : [fact.purpose];
  return {
    resourceType: 'Consent',
    meta: { lastUpdated: fact.recordedAt },
    identifier: [{ system: `${LEDGER_FHIR}/preference`, value: `${subjectId}/${index}` }],
    extension: fact.channel === '*' ? [] : [{ url: EXT.channels, valueCodeableConcept: { coding: [{ system: CHANNEL_SYSTEM, code: fact.channel }] } }],
    // A later choice for the same purpose and channel supersedes this one.
    status: current ? 'active' : 'inactive',
    scope: SCOPE,
    category: CATEGORY,
    patient: { reference: `Patient/${subjectId}` },
    dateTime: fact.effectiveAt,
    policy: [HIPAA_PREFERENCE],
    provision: {
      type: fact.choice === 'opt-out' ? 'deny' : 'permit',
      period: { start: fact.effectiveAt },
      purpose: purposes.flatMap(purposeCodings),
    },
  };
}

/** The subject's Consent resources as a FHIR searchset Bundle. */
export function consentBundle(tenantId: string, subjectId: string, state: SubjectState, now: string): Json {
  const latest = new Map<string, number>();
  state.preferences.forEach((p, i) => latest.set(`${p.purpose}|${p.channel}`, i));
  const resources = [
    ...state.authorizations.map((record) => ({ key: `authorization:${record.authorizationId}`, resource: authorizationConsent(tenantId, subjectId, record, now) })),
    ...state.preferences.map((fact, i) => ({
      key: `preference:${i}`, resource: preferenceConsent(tenantId, subjectId, fact, i, latest.get(`${fact.purpose}|${fact.channel}`) === i),
    })),
  ];
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    timestamp: now,
    total: resources.length,
    link: [{ relation: 'self', url: `/v1/subjects/${encodeURIComponent(subjectId)}/fhir/Consent` }],
    entry: resources.map(({ key, resource }) => ({ fullUrl: urn(tenantId, subjectId, key), resource, search: { mode: 'match' } })),
  };
}
