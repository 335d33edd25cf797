import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsObject, IsOptional, Matches, ValidateBy, ValidateNested } from 'class-validator';
import { CATEGORIES, CHANNELS, PURPOSES, REMUNERATIONS, type Channel, type CommunicationCategory, type Purpose, type Remuneration } from '@app/domain';
import { ContactValueRequest } from '../../contacts/contact-value';
import { IDENTIFIER, IsRfc3339, POSITION } from '../../http/validators';

export class CommunicationRequest {
  @ApiProperty({ enum: CATEGORIES }) @IsIn(CATEGORIES) category!: CommunicationCategory;
  @ApiPropertyOptional({ oneOf: [{ type: 'boolean' }, { type: 'string', enum: [...REMUNERATIONS] }] })
  @IsOptional()
  @ValidateBy({
    name: 'isRemuneration',
    validator: {
      validate: (value: unknown) => typeof value === 'boolean' || (REMUNERATIONS as readonly unknown[]).includes(value),
      defaultMessage: () => `thirdPartyRemuneration must be a boolean or one of ${REMUNERATIONS.join(', ')}`,
    },
  })
  thirdPartyRemuneration?: boolean | Remuneration;
}

export class EligibilityCheckRequest {
  @ApiPropertyOptional() @IsOptional() @Matches(IDENTIFIER, { message: 'subjectId must be 1-128 characters of A-Z a-z 0-9 . _ -' }) subjectId?: string;
  @ApiPropertyOptional({ type: ContactValueRequest }) @IsOptional() @IsObject() @ValidateNested() @Type(() => ContactValueRequest)
  contact?: ContactValueRequest;
  @ApiProperty({ enum: CHANNELS }) @IsIn(CHANNELS) channel!: Channel;
  @ApiPropertyOptional({ enum: PURPOSES }) @IsOptional() @IsIn(PURPOSES) purpose?: Purpose;
  @ApiPropertyOptional({ type: CommunicationRequest }) @IsOptional() @IsObject() @ValidateNested() @Type(() => CommunicationRequest)
  communication?: CommunicationRequest;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() usesPart2Data?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsRfc3339() asOf?: string;
  @ApiPropertyOptional() @IsOptional() @IsRfc3339() knownAt?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(POSITION, { message: 'minPosition must be a decimal position' }) minPosition?: string;
}
