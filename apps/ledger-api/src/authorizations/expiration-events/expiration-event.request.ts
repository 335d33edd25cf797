import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IDENTIFIER, IsRfc3339 } from '../../http/validators';

export class ExpirationEventRequest {
  @ApiPropertyOptional() @IsOptional() @Matches(IDENTIFIER, { message: 'subjectId must be 1-128 characters of A-Z a-z 0-9 . _ -' }) subjectId?: string;
  @ApiProperty({ example: 'study-123-closed' }) @IsString() @MinLength(1) @MaxLength(200) event!: string;
  @ApiPropertyOptional() @IsOptional() @IsRfc3339() occurredAt?: string;
}
