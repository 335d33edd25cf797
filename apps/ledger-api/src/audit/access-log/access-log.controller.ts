import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import type { Principal } from '@app/security';
import { Caller, Scopes } from '../../http/auth';
import { IDENTIFIER, POSITION } from '../../http/validators';
import { AccessLog } from './access-log';

export class AccessLogQuery {
  @ApiPropertyOptional() @IsOptional() @Matches(IDENTIFIER, { message: 'subjectId must be 1-128 characters of A-Z a-z 0-9 . _ -' }) subjectId?: string;
  @ApiPropertyOptional({ description: 'lower-case hex SHA-256 of the normalised address' })
  @IsOptional() @Matches(/^[0-9a-f]{64}$/, { message: 'contactKey must be 64 lower-case hex characters' }) contactKey?: string;
  @ApiPropertyOptional({ description: 'only entries after this sequence number (paging)' })
  @IsOptional() @Matches(POSITION, { message: 'after must be a decimal sequence number' }) after?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 10000, default: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10000) limit?: number;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit/access')
export class AccessLogController {
  constructor(private readonly log: AccessLog) {}

  @Get()
  @Scopes('audit:read')
  @ApiOperation({ summary: "Who read or checked a subject's consent: the tenant's access log, oldest first (page with `after`)." })
  async list(@Query() query: AccessLogQuery, @Caller() caller: Principal) {
    const entries = await this.log.query(caller.tenantId, query);
    return { entries, retentionDays: this.log.retentionDays, next: entries.length > 0 ? entries[entries.length - 1].seq : null };
  }

  @Get('verify')
  @Scopes('audit:read')
  @ApiOperation({ summary: "Recompute the tenant's access-log hash chain; answers the first broken entry if any." })
  verify(@Caller() caller: Principal) {
    return this.log.verify(caller.tenantId);
  }
}
