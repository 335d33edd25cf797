import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsRfc3339 } from '../../http/validators';

export class LateKnowledgeQuery {
  @ApiPropertyOptional({ description: 'start of the period (inclusive); default: the beginning' }) @IsOptional() @IsRfc3339() from?: string;
  @ApiPropertyOptional({ description: 'end of the period (exclusive); default now' }) @IsOptional() @IsRfc3339() to?: string;
}
