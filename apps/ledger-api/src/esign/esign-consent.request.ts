import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { IsRfc3339 } from '../http/validators';

export class GiveEsignConsentRequest {
  @ApiProperty({ description: 'the version of the ESIGN disclosures the person was shown' })
  @IsString() @MinLength(1) @MaxLength(128) disclosureVersion!: string;
  @ApiProperty({ description: 'the person showed they can open the electronic format (15 U.S.C. 7001(c)(1)(C)(ii)); must be true' })
  @IsBoolean() demonstratedAccess!: boolean;
  @ApiPropertyOptional({ description: 'default now' }) @IsOptional() @IsRfc3339() givenAt?: string;
}

export class WithdrawEsignConsentQuery {
  @ApiPropertyOptional({ description: 'default now' }) @IsOptional() @IsRfc3339() withdrawnAt?: string;
}
