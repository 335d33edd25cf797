import { Controller, Get, Header, Inject, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import type { FastifyReply } from 'fastify';
import type { EventStore } from '@app/event-store';
import type { Database } from '@app/platform/database';
import { KeySet, type Principal } from '@app/security';
import { Caller, Scopes } from '../../http/auth';
import { Problem } from '../../http/problem';
import { IDENTIFIER } from '../../http/validators';
import { CLOCK, type Clock, DATABASE, EVENT_STORE } from '../../ledger/tokens';
import { AccessLogged } from '../access-log/access-logged';
import { buildEvidenceBundle } from './evidence-bundle';

export class ExportQuery {
  @ApiProperty() @Matches(IDENTIFIER, { message: 'subjectId must be 1-128 characters of A-Z a-z 0-9 . _ -' }) subjectId!: string;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit/export')
export class EvidenceExportController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly keys: KeySet,
  ) {}

  @Get()
  @Scopes('audit:read')
  @AccessLogged('evidence-export')
  @Header('cache-control', 'no-store')
  @ApiProduces('application/zip')
  @ApiOperation({ summary: "An evidence bundle (zip): the subject's and its contacts' events, signed PDFs, chain proof, JWKS and a signed manifest. Verify offline with `ledgerctl audit verify --bundle FILE`." })
  async export(@Query() query: ExportQuery, @Caller() caller: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    const bundle = await buildEvidenceBundle({ store: this.store, db: this.db, keys: this.keys, now: this.clock.now() }, caller.tenantId, query.subjectId);
    if (!bundle) throw Problem.notFound('No such subject.');
    reply.header('content-type', 'application/zip');
    reply.header('content-disposition', `attachment; filename="evidence-${query.subjectId}.zip"`);
    return Buffer.from(bundle.zip);
  }
}
