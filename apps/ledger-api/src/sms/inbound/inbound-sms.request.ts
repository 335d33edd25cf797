import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { PURPOSES, type Purpose } from '@app/domain';
import { IsRfc3339 } from '../../http/validators';

export class InReplyToRequest {
  @ApiProperty({ enum: PURPOSES }) @IsIn(PURPOSES) purpose!: Purpose;
}

export class InboundSmsRequest {
  @ApiProperty({ description: 'the sending number, E.164 (spaces, dashes, dots and parentheses are normalised)' })
  @IsString() @MaxLength(32) from!: string;
  @ApiProperty({ description: 'the text as received' }) @IsString() @MaxLength(2000) body!: string;
  @ApiPropertyOptional({ description: 'when the gateway received it; default now. Decides the policy version (T3).' })
  @IsOptional() @IsRfc3339() receivedAt?: string;
  @ApiPropertyOptional({ type: InReplyToRequest, description: 'the kind of message replied to; without it a STOP covers marketing texts (until 2027-01-31)' })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => InReplyToRequest) inReplyTo?: InReplyToRequest;
}
