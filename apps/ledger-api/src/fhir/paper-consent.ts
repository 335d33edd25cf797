import { type FieldError, Problem } from '../http/problem';
import { CHANNEL_SYSTEM, EXT, PURPOSE_OF_USE, PURPOSE_SYSTEM } from './consent-bundle';

/*
 * A paper HIPAA authorization arriving from an EHR as a FHIR R4 Consent: mapped onto the body of
 * POST /v1/subjects/{subjectId}/authorizations with `signature.method: paper` and the scan as `signature.image`.
 * Only the FHIR shape is checked here (400); what the authorization lacks is the domain's 422, exactly as over HTTP.
 */

type Json = Record<string, any>;

const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';

function ext(resource: Json, url: string): Json | undefined {
  return (Array.isArray(resource.extension) ? resource.extension : []).find((e: Json) => e?.url === url);
}

function codes(concepts: unknown, system: string): string[] {
  const list = Array.isArray(concepts) ? concepts : [concepts];
  return list.flatMap((c: Json) => (Array.isArray(c?.coding) ? c.coding : c?.system ? [c] : []))
    .filter((c: Json) => c?.system === system && typeof c.code === 'string').map((c: Json) => c.code as string);
}

export interface PaperAuthorization { subjectId: string; body: Record<string, unknown> }

export function paperAuthorization(consent: unknown): PaperAuthorization {
  const errors: FieldError[] = [];
  const c = (consent && typeof consent === 'object' ? consent : {}) as Json;
  if (c.resourceType !== 'Consent') errors.push({ field: 'resourceType', message: 'must be Consent' });
  if (c.status !== 'active') errors.push({ field: 'status', message: 'must be active: only an authorization in effect is recorded' });
  const patient = /^Patient\/([A-Za-z0-9._-]{1,128})$/.exec(String(c.patient?.reference ?? ''));
  if (!patient) errors.push({ field: 'patient.reference', message: 'must be Patient/{subjectId}' });
  const attachment = c.sourceAttachment as Json | undefined;
  if (typeof attachment?.data !== 'string' || attachment.data.length === 0) {
    errors.push({ field: 'sourceAttachment.data', message: 'must hold the scan of the signed original (base64 PDF or PNG)' });
  }
  if (c.provision?.type !== undefined && c.provision.type !== 'permit') errors.push({ field: 'provision.type', message: 'must be permit' });
  if (errors.length > 0) throw Problem.badRequest('The Consent cannot be read as a paper authorization.', errors);

  // Our own purpose codes are exact; the HL7 purpose of use is read when they are absent (HMARKT means marketing).
  const ledgerPurposes = codes(c.provision?.purpose ?? [], PURPOSE_SYSTEM);
  const hl7 = codes(c.provision?.purpose ?? [], ACT_REASON);
  const purposes = ledgerPurposes.length > 0 ? ledgerPurposes
    : [...new Set(hl7.map((code) => Object.entries(PURPOSE_OF_USE).find(([, v]) => v.code === code)?.[0]).filter((p): p is string => !!p))];
  const form = String(ext(c, EXT.form)?.valueString ?? '');
  const [formId, formVersion] = form.includes('@') ? form.split('@') : [undefined, undefined];
  const statements = ext(c, EXT.statements);
  const remuneration = ext(c, EXT.remuneration);
  const signer = ext(c, EXT.signer);
  const sub = (e: Json | undefined, url: string) => (Array.isArray(e?.extension) ? e.extension : []).find((x: Json) => x?.url === url);
  const recipients = (Array.isArray(c.provision?.actor) ? c.provision.actor : [])
    .filter((a: Json) => codes(a?.role, 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType').includes('IRCP'))
    .map((a: Json) => a?.reference?.display).filter((d: unknown): d is string => typeof d === 'string');
  const disclosers = (Array.isArray(c.organization) ? c.organization : []).map((o: Json) => o?.display).filter((d: unknown): d is string => typeof d === 'string');
  const body: Record<string, unknown> = {
    authorizationId: (Array.isArray(c.identifier) ? c.identifier : []).find((i: Json) => typeof i?.value === 'string')?.value,
    formId,
    formVersion,
    purposes,
    channels: codes(ext(c, EXT.channels)?.valueCodeableConcept ?? [], CHANNEL_SYSTEM),
    informationDescription: ext(c, EXT.informationDescription)?.valueString,
    disclosers,
    recipients,
    purposeStatement: ext(c, EXT.purposeStatement)?.valueString,
    expiresAt: c.provision?.period?.end,
    remuneration: remuneration
      ? { involved: sub(remuneration, 'involved')?.valueBoolean === true, statement: sub(remuneration, 'statement')?.valueString ?? null }
      : undefined,
    statements: statements
      ? {
        rightToRevoke: sub(statements, 'rightToRevoke')?.valueBoolean === true,
        noConditioning: sub(statements, 'noConditioning')?.valueBoolean === true,
        redisclosure: sub(statements, 'redisclosure')?.valueBoolean === true,
      }
      : undefined,
    signature: {
      signerName: sub(signer, 'name')?.valueString,
      signerRole: sub(signer, 'role')?.valueCode ?? 'self',
      representativeAuthority: sub(signer, 'representativeAuthority')?.valueString ?? null,
      signedAt: c.dateTime,
      method: 'paper',
      image: attachment!.data,
    },
  };
  return { subjectId: patient![1], body };
}
