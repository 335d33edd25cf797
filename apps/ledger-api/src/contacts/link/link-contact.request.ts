import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsRfc3339 } from '../../http/validators';
import { ContactValueRequest } from '../contact-value';

export class LinkContactRequest extends ContactValueRequest {
  @ApiPropertyOptional() @IsOptional() @IsRfc3339() effectiveAt?: string;
}
