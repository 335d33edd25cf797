import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsRfc3339, IsTimeZone } from '../../http/validators';

/** PUT replaces all settings; absent fields take their defaults (UTC, false, 6). */
export class TenantSettingsRequest {
  @ApiPropertyOptional({ example: 'America/New_York' }) @IsOptional() @IsTimeZone() timeZone?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() fundraisingStatementInNotice?: boolean;
  @ApiPropertyOptional({ minimum: 6, maximum: 100 }) @IsOptional() @IsInt() @Min(6) @Max(100) retentionYears?: number;
  @ApiPropertyOptional() @IsOptional() @IsRfc3339() effectiveAt?: string;
}
