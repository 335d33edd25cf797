import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CHANNELS, PREFERENCE_SOURCES, PURPOSES, type ChannelScope, type PreferenceSource, type PurposeScope } from '@app/domain';
import { IsRfc3339 } from '../../http/validators';

export const PURPOSE_SCOPES = [...PURPOSES, '*'] as const;
export const CHANNEL_SCOPES = [...CHANNELS, '*'] as const;

export class SetPreferenceRequest {
  @ApiProperty({ enum: PURPOSE_SCOPES }) @IsIn(PURPOSE_SCOPES) purpose!: PurposeScope;
  @ApiProperty({ enum: CHANNEL_SCOPES }) @IsIn(CHANNEL_SCOPES) channel!: ChannelScope;
  @ApiProperty({ enum: ['opt-out', 'opt-in'] }) @IsIn(['opt-out', 'opt-in']) choice!: 'opt-out' | 'opt-in';
  @ApiProperty({ enum: PREFERENCE_SOURCES }) @IsIn(PREFERENCE_SOURCES) source!: PreferenceSource;
  @ApiPropertyOptional() @IsOptional() @IsRfc3339() effectiveAt?: string;
}
