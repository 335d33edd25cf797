import { Inject, Injectable } from '@nestjs/common';
import type { DocumentStore, StoredDocument } from '@app/documents';
import { findAuthorization, type AuthorizationRecord, subjectDecider, subjectStreamId } from '@app/domain';
import { Problem } from '../../http/problem';
import { LedgerStreams } from '../../ledger/ledger-streams';
import { DOCUMENT_STORE } from '../document-store.provider';

export interface AuthorizationDocument {
  record: AuthorizationRecord;
  document: StoredDocument;
}

/** The stored document of one authorization: the bytes named by the grant event's SHA-256, never re-rendered. */
@Injectable()
export class DocumentReader {
  constructor(private readonly streams: LedgerStreams, @Inject(DOCUMENT_STORE) private readonly documents: DocumentStore) {}

  async read(tenantId: string, subjectId: string, authorizationId: string): Promise<AuthorizationDocument> {
    const { state } = await this.streams.load(subjectDecider, subjectStreamId(tenantId, subjectId));
    const record = findAuthorization(state, authorizationId);
    if (!record) throw Problem.notFound('No such authorization.');
    if (!record.documentSha256) throw Problem.notFound('No document was recorded with this authorization.');
    const document = await this.documents.get(tenantId, record.documentSha256);
    if (!document) throw new Problem(500, 'document-missing', 'Document missing', 'The recorded document is not in storage.');
    return { record, document };
  }
}

/** Headers for a stored document: what the grant event recorded about it, so a client can verify what it got. */
export function documentHeaders(found: AuthorizationDocument, disposition: 'inline' | 'attachment'): Record<string, string> {
  const extension = found.document.mediaType === 'image/png' ? 'png' : 'pdf';
  return {
    'content-type': found.document.mediaType,
    'content-disposition': `${disposition}; filename="authorization-${found.record.authorizationId}.${extension}"`,
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
    'x-document-sha256': found.record.documentSha256!,
    ...(found.record.documentSignature ? { 'x-document-signature': found.record.documentSignature } : {}),
  };
}
