import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Principal } from '@app/security';
import { Caller, Scopes } from '../../http/auth';
import { IdentifierPipe } from '../../http/params';
import { DocumentReader, documentHeaders } from './document-reader';

@ApiTags('authorizations')
@ApiBearerAuth()
@Controller('v1/subjects/:subjectId/authorizations/:authorizationId/document')
export class AuthorizationDocumentController {
  constructor(private readonly reader: DocumentReader) {}

  @Get()
  @Scopes('consent:read')
  @ApiProduces('application/pdf', 'image/png')
  @ApiOperation({
    summary: 'The stored document of an authorization (the signed PDF, or the paper scan): the exact bytes whose SHA-256 ' +
      'the grant event recorded (X-Document-Sha256), with the ledger signature (X-Document-Signature).',
  })
  async document(
    @Param('subjectId', IdentifierPipe) subjectId: string,
    @Param('authorizationId', IdentifierPipe) authorizationId: string,
    @Caller() caller: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const found = await this.reader.read(caller.tenantId, subjectId, authorizationId);
    await reply.status(200).headers(documentHeaders(found, 'inline')).send(Buffer.from(found.document.content));
  }
}
