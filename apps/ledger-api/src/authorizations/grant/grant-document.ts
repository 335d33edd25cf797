import { Inject, Injectable } from '@nestjs/common';
import {
  contentSha256, type DocumentStore, fillForm, findForm, renderAuthorizationPdf, signDocument, sniffMediaType,
} from '@app/documents';
import {
  type AuthorizationGranted, ELEMENT_RULE_IDS, ELEMENT_RULES, type GrantAuthorization, type MissingElement,
} from '@app/domain';
import { KeySet } from '@app/security';
import { DOCUMENT_STORE } from '../../documents/document-store.provider';
import { Problem } from '../../http/problem';

export interface RecordedDocument {
  documentSha256: string;
  documentSignature: string;
  /** SHA-256 of the form content shown and signed (rendered documents only). */
  contentSha256: string | null;
}

const defect = (element: 'form' | 'signature', message: string): MissingElement =>
  ({ element, rule: ELEMENT_RULES[element], ruleId: ELEMENT_RULE_IDS[element], message });

/** Decodes a base64 image field; a value that is not a PNG (or, for paper, a PDF) is a shape error (400). */
function decodeImage(base64: string, allowed: readonly string[]): { bytes: Uint8Array; mediaType: string } {
  const bytes = new Uint8Array(Buffer.from(base64.replace(/\s+/g, ''), 'base64'));
  const mediaType = sniffMediaType(bytes);
  if (!mediaType || !allowed.includes(mediaType)) {
    const expected = allowed.map((m) => (m === 'image/png' ? 'PNG' : 'PDF')).join(' or ');
    throw Problem.badRequest('The signature image is not valid.', [{ field: 'signature.image', message: `must be a base64 ${expected}` }]);
  }
  return { bytes, mediaType };
}

/**
 * The document side of a grant: what the form catalogue says about the command, and the stored, hashed and signed
 * document (E1, E4): the rendered PDF, or for `method: paper` the uploaded scan itself.
 */
@Injectable()
export class GrantDocuments {
  constructor(@Inject(DOCUMENT_STORE) private readonly documents: DocumentStore, private readonly keys: KeySet) {}

  /** Defects only the form catalogue and the signature image can reveal; the domain lists every other one. */
  defects(command: GrantAuthorization): MissingElement[] {
    const found: MissingElement[] = [];
    const named = typeof command.formId === 'string' && command.formId.trim() !== '' && typeof command.formVersion === 'string' && command.formVersion.trim() !== '';
    const form = named ? findForm(command.formId, command.formVersion) : undefined;
    if (named && !form) found.push(defect('form', 'the form version is not published'));
    if (form && form.kind !== 'authorization') found.push(defect('form', 'the form is a notice, not an authorization'));
    const method = command.signature?.method;
    const image = command.signature?.image;
    if ((method === 'drawn' || method === 'paper') && (typeof image !== 'string' || image.trim() === '')) {
      found.push(defect('signature', method === 'drawn' ? 'a drawn signature needs its image' : 'a paper authorization needs the scan of the signed original'));
    }
    return found;
  }

  /** Stores the document for a grant the domain accepted (`granted` is the event it would append) and signs its hash. */
  async record(tenantId: string, command: GrantAuthorization, granted: AuthorizationGranted['data'], shownContentSha256?: string): Promise<RecordedDocument> {
    const signature = granted.signature;
    let bytes: Uint8Array;
    let mediaType: string;
    let shown: string | null = null;
    if (signature.method === 'paper') {
      ({ bytes, mediaType } = decodeImage(command.signature!.image!, ['application/pdf', 'image/png']));
    } else {
      const form = findForm(granted.formId, granted.formVersion)!;
      const content = fillForm(form, granted);
      shown = contentSha256(content);
      if (shownContentSha256 !== undefined && shownContentSha256 !== shown) {
        throw new Problem(409, 'form-content-changed', 'Form content changed',
          'The form content signed is not the content shown; show the form again and sign it.');
      }
      const image = signature.method === 'drawn' ? decodeImage(command.signature!.image!, ['image/png']).bytes : null;
      bytes = await renderAuthorizationPdf({
        form,
        content,
        contentSha256: shown,
        authorizationId: granted.authorizationId,
        subjectId: granted.subjectId,
        signing: {
          signerName: signature.signerName,
          signedAt: signature.signedAt,
          signerRole: signature.signerRole,
          representativeAuthority: signature.representativeAuthority,
          method: signature.method,
          image,
          intentAct: signature.intentAct ?? null,
          authentication: signature.authentication ?? null,
        },
        ledgerKeyId: this.keys.activeKid,
      });
      mediaType = 'application/pdf';
    }
    const documentSha256 = await this.documents.put(tenantId, mediaType, bytes);
    const documentSignature = await signDocument(this.keys, {
      authorizationId: granted.authorizationId,
      documentSha256,
      signedAt: signature.signedAt,
    });
    return { documentSha256, documentSignature, contentSha256: shown };
  }
}
