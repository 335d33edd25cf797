import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { CATEGORIES, CHANNELS, PURPOSES, REMUNERATIONS, type Channel, type CommunicationCategory, type Purpose } from '@app/domain';
import { IsRfc3339, POSITION } from '../../http/validators';

const REMUNERATION_VALUES = ['true', 'false', ...REMUNERATIONS] as const;

/** The scrub's question travels in the query string; the body is the list. */
export class ScrubQuery {
  @ApiProperty({ enum: CHANNELS }) @IsIn(CHANNELS) channel!: Channel;
  @ApiPropertyOptional({ enum: PURPOSES }) @IsOptional() @IsIn(PURPOSES) purpose?: Purpose;
  @ApiPropertyOptional({ enum: CATEGORIES }) @IsOptional() @IsIn(CATEGORIES) category?: CommunicationCategory;
  @ApiPropertyOptional({ enum: REMUNERATION_VALUES }) @IsOptional() @IsIn(REMUNERATION_VALUES) thirdPartyRemuneration?: (typeof REMUNERATION_VALUES)[number];
  @ApiPropertyOptional({ enum: ['true', 'false'] }) @IsOptional() @IsIn(['true', 'false']) usesPart2Data?: 'true' | 'false';
  @ApiPropertyOptional() @IsOptional() @IsRfc3339() asOf?: string;
  @ApiPropertyOptional() @IsOptional() @IsRfc3339() knownAt?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(POSITION, { message: 'minPosition must be a decimal position' }) minPosition?: string;
}
