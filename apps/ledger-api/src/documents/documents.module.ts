import { Module } from '@nestjs/common';
import { GrantDocuments } from '../authorizations/grant/grant-document';
import { HostedLinks } from '../hosted/links/hosted-links';
import { PortalCopies } from '../hosted/portal-copies';
import { HostedLinksController } from '../hosted/links/links.controller';
import { PreferencesController } from '../hosted/preferences/preferences.controller';
import { SignController } from '../hosted/sign/sign.controller';
import { documentStoreProvider, DOCUMENT_STORE } from './document-store.provider';
import { FormsController } from './forms/forms.controller';
import { JwksController } from './jwks/jwks.controller';
import { AuthorizationDocumentController } from './read/document.controller';
import { DocumentReader } from './read/document-reader';

/**
 * Forms, stored documents and their signatures (E1, E4), and the hosted signing and preferences pages. Exports the document store and the grant's document side,
 * which the grant handler uses.
 */
@Module({
  controllers: [FormsController, AuthorizationDocumentController, JwksController, HostedLinksController, SignController, PreferencesController],
  providers: [documentStoreProvider, GrantDocuments, DocumentReader, HostedLinks, PortalCopies],
  exports: [DOCUMENT_STORE, GrantDocuments, DocumentReader],
})
export class DocumentsModule {}
