import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { COPY_METHODS, type CopyMethod } from '@app/domain';
import { IsRfc3339 } from '../../http/validators';

export class CopyProvidedRequest {
  @ApiProperty({ enum: COPY_METHODS, description: 'email and portal need an ESIGN consent on record (E2)' }) @IsIn(COPY_METHODS) method!: CopyMethod;
  @ApiPropertyOptional({ description: 'when the copy was given; default now' }) @IsOptional() @IsRfc3339() providedAt?: string;
}
