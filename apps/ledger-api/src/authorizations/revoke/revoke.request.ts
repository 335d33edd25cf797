import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { REVOCATION_CHANNELS, type RevocationChannel } from '@app/domain';
import { IsRfc3339 } from '../../http/validators';

export class RevokeAuthorizationRequest {
  @ApiProperty({ enum: REVOCATION_CHANNELS }) @IsIn(REVOCATION_CHANNELS) receivedVia!: RevocationChannel;
  @ApiPropertyOptional({ description: 'when the covered entity received it; default now' }) @IsOptional() @IsRfc3339() receivedAt?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) note?: string;
}
