import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { SMS_REVIEW_OUTCOMES, type SmsReviewOutcome } from '@app/domain';
import { IsRfc3339 } from '../../http/validators';

export class ResolveReviewRequest {
  @ApiProperty({ enum: SMS_REVIEW_OUTCOMES, description: 'what the text meant: opt-out and opt-in take effect at its receivedAt' })
  @IsIn(SMS_REVIEW_OUTCOMES) outcome!: SmsReviewOutcome;
  @ApiPropertyOptional({ description: 'default now' }) @IsOptional() @IsRfc3339() resolvedAt?: string;
}
