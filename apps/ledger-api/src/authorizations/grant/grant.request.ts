import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested,
} from 'class-validator';
import { CHANNELS, PART2_TPO_EXPIRIES, PURPOSES, SIGNATURE_METHODS, SIGNER_ROLES } from '@app/domain';
import { IDENTIFIER, IsCalendarDate, IsRfc3339 } from '../../http/validators';

/*
 * 400 is for shape only: a present field of the wrong type, format or enumeration. A missing or empty element is
 * left to the domain, which answers 422 defective-authorization with every defect (45 CFR 164.508(b)(2)).
 */

export class RemunerationRequest {
  @ApiProperty() @IsBoolean() involved!: boolean;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsString() @MaxLength(2000) statement?: string | null;
}

export class StatementsRequest {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() rightToRevoke?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() noConditioning?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() redisclosure?: boolean;
}

/** E3: how the signer was authenticated (a portal session, a one-time code, an ID checked in person). */
export class AuthenticationRequest {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) method?: string;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) ip?: string | null;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsString() @MaxLength(1000) userAgent?: string | null;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsString() @MaxLength(200) sessionId?: string | null;
}

/** P1: the Part 2 terms of a `part2-consent` form. */
export class Part2Request {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() tpo?: boolean;
  @ApiPropertyOptional({ enum: PART2_TPO_EXPIRIES, nullable: true }) @IsOptional() @IsIn(PART2_TPO_EXPIRIES) expiry?: (typeof PART2_TPO_EXPIRIES)[number] | null;
}

export class SignatureRequest {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) signerName?: string;
  @ApiPropertyOptional() @IsOptional() @IsRfc3339() signedAt?: string;
  @ApiPropertyOptional({ enum: SIGNER_ROLES }) @IsOptional() @IsIn(SIGNER_ROLES) signerRole?: (typeof SIGNER_ROLES)[number];
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsString() @MaxLength(2000) representativeAuthority?: string | null;
  @ApiPropertyOptional({ enum: SIGNATURE_METHODS }) @IsOptional() @IsIn(SIGNATURE_METHODS) method?: (typeof SIGNATURE_METHODS)[number];
  @ApiPropertyOptional({ nullable: true, description: 'base64 PNG (drawn) or PDF/PNG (paper)' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9+/=\s]*$/, { message: 'image must be base64' }) image?: string | null;
  @ApiPropertyOptional({ type: AuthenticationRequest, nullable: true })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AuthenticationRequest) authentication?: AuthenticationRequest | null;
}

export class GrantAuthorizationRequest {
  @ApiPropertyOptional() @IsOptional() @Matches(IDENTIFIER, { message: 'authorizationId must be 1-128 characters of A-Z a-z 0-9 . _ -' })
  authorizationId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) formId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(50) formVersion?: string;
  @ApiPropertyOptional({ enum: PURPOSES, isArray: true }) @IsOptional() @IsArray() @ArrayMaxSize(20) @IsIn(PURPOSES, { each: true })
  purposes?: (typeof PURPOSES)[number][];
  @ApiPropertyOptional({ enum: CHANNELS, isArray: true }) @IsOptional() @IsArray() @ArrayMaxSize(20) @IsIn(CHANNELS, { each: true })
  channels?: (typeof CHANNELS)[number][];
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4000) informationDescription?: string;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(500, { each: true })
  disclosers?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(500, { each: true })
  recipients?: string[];
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4000) purposeStatement?: string;
  @ApiPropertyOptional() @IsOptional() @IsRfc3339() expiresAt?: string | null;
  @ApiPropertyOptional({ description: 'a date; lasts through the end of that day in the tenant time zone' })
  @IsOptional() @IsCalendarDate() expiresOn?: string | null;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsString() @MaxLength(200) expirationEvent?: string | null;
  @ApiPropertyOptional({ type: RemunerationRequest }) @IsOptional() @IsObject() @ValidateNested() @Type(() => RemunerationRequest)
  remuneration?: RemunerationRequest;
  @ApiPropertyOptional({ type: StatementsRequest }) @IsOptional() @IsObject() @ValidateNested() @Type(() => StatementsRequest)
  statements?: StatementsRequest;
  @ApiPropertyOptional({ type: SignatureRequest }) @IsOptional() @IsObject() @ValidateNested() @Type(() => SignatureRequest)
  signature?: SignatureRequest;
  @ApiPropertyOptional({ type: Part2Request }) @IsOptional() @IsObject() @ValidateNested() @Type(() => Part2Request)
  part2?: Part2Request;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() compound?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() conditioned?: boolean;
}
