import { ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { GrantAuthorizationRequest } from '../../authorizations/grant/grant.request';
import { LINK_ACTIONS, type LinkAction, MAX_LINK_TTL_SECONDS } from './hosted-links';

/** The authorization a signing link offers: the grant request without the signature and statements. */
export class LinkAuthorizationRequest extends PickType(GrantAuthorizationRequest, [
  'authorizationId', 'formId', 'formVersion', 'purposes', 'channels', 'informationDescription', 'disclosers', 'recipients',
  'purposeStatement', 'expiresAt', 'expiresOn', 'expirationEvent', 'remuneration', 'part2',
] as const) {}

export class CreateLinksRequest {
  @ApiPropertyOptional({ enum: LINK_ACTIONS, isArray: true, description: 'default: sign and preferences with an authorization, else preferences' })
  @IsOptional() @IsArray() @ArrayMaxSize(2) @IsIn(LINK_ACTIONS, { each: true })
  actions?: LinkAction[];

  @ApiPropertyOptional({ type: LinkAuthorizationRequest, description: 'the authorization the signing link offers (required for sign)' })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => LinkAuthorizationRequest)
  authorization?: LinkAuthorizationRequest;

  @ApiPropertyOptional({ minimum: 60, maximum: MAX_LINK_TTL_SECONDS, description: 'lifetime of the links in seconds (default 86400)' })
  @IsOptional() @IsInt() @Min(60) @Max(MAX_LINK_TTL_SECONDS)
  ttlSeconds?: number;
}
