import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';
import { CONTACT_TYPES, contactKeyOf, type ContactType, normaliseEmail, normalisePhone } from '@app/domain';
import { Problem } from '../http/problem';

export class ContactValueRequest {
  @ApiProperty({ enum: CONTACT_TYPES }) @IsIn(CONTACT_TYPES) type!: ContactType;
  @ApiProperty({ description: 'an email address, or a phone number in E.164' }) @IsString() @MaxLength(320) value!: string;
}

export interface NormalisedContact { type: ContactType; value: string; contactKey: string }

/** Emails are trimmed and lower-cased; phones must reduce to E.164. The value never appears in the error. */
export function normaliseContact(type: ContactType, raw: string, field = 'value'): NormalisedContact {
  const value = type === 'email' ? normaliseEmail(raw) : normalisePhone(raw);
  if (value === null) {
    throw Problem.badRequest(`The ${type} is not valid.`, [{
      field,
      message: type === 'email' ? 'must be an email address' : 'must be a phone number in E.164 (+ and 8-15 digits)',
    }]);
  }
  return { type, value, contactKey: contactKeyOf(value) };
}
