import { Module } from '@nestjs/common';
import { GrantDocuments } from '../authorizations/grant/grant-document';
import { documentStoreProvider, DOCUMENT_STORE } from './document-store.provider';
import { FormsController } from './forms/forms.controller';
import { JwksController } from './jwks/jwks.controller';
import { AuthorizationDocumentController } from './read/document.controller';
import { DocumentReader } from './read/document-reader';

/**
 * Forms, stored documents and their signatures (E1, E4). Exports the document store and the grant's document side,
 * which the grant handler uses.
 */
@Module({
  controllers: [FormsController, AuthorizationDocumentController, JwksController],
  providers: [documentStoreProvider, GrantDocuments, DocumentReader],
  exports: [DOCUMENT_STORE, GrantDocuments, DocumentReader],
})
export class DocumentsModule {}
