import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { AUTHORIZATION_DEFECTS, type AuthorizationDefect } from '@app/domain';
import { IsRfc3339 } from '../../http/validators';

export class InvalidateAuthorizationRequest {
  @ApiProperty({ enum: AUTHORIZATION_DEFECTS }) @IsIn(AUTHORIZATION_DEFECTS) defect!: AuthorizationDefect;
  @ApiPropertyOptional({ description: 'when the defect was discovered; default now. The invalidation is effective from then, never before.' })
  @IsOptional() @IsRfc3339() discoveredAt?: string;
}
