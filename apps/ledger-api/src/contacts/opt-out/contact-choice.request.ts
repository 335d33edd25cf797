import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { OPT_IN_SOURCES, OPT_OUT_SOURCES, type ChannelScope, type OptInSource, type OptOutSource, type PurposeScope } from '@app/domain';
import { IsRfc3339 } from '../../http/validators';
import { CHANNEL_SCOPES, PURPOSE_SCOPES } from '../../preferences/set/set-preference.request';
import { ContactValueRequest } from '../contact-value';

class ContactChoiceRequest extends ContactValueRequest {
  @ApiProperty({ enum: PURPOSE_SCOPES }) @IsIn(PURPOSE_SCOPES) purpose!: PurposeScope;
  @ApiProperty({ enum: CHANNEL_SCOPES }) @IsIn(CHANNEL_SCOPES) channel!: ChannelScope;
  @ApiPropertyOptional() @IsOptional() @IsRfc3339() occurredAt?: string;
}

export class ContactOptOutRequest extends ContactChoiceRequest {
  @ApiProperty({ enum: OPT_OUT_SOURCES }) @IsIn(OPT_OUT_SOURCES) source!: OptOutSource;
}

export class ContactOptInRequest extends ContactChoiceRequest {
  @ApiProperty({ enum: OPT_IN_SOURCES }) @IsIn(OPT_IN_SOURCES) source!: OptInSource;
}
