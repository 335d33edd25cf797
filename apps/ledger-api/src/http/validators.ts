import { Transform } from 'class-transformer';
import { IsOptional, Matches, registerDecorator, type ValidationOptions } from 'class-validator';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** An RFC 3339 instant with a zone that is also a real calendar moment (no 2026-02-30). */
export function isRfc3339(value: unknown): value is string {
  if (typeof value !== 'string' || !RFC3339.test(value)) return false;
  const time = Date.parse(value);
  if (Number.isNaN(time)) return false;
  const [y, m, d] = value.slice(0, 10).split('-').map(Number);
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}

export function IsRfc3339(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => registerDecorator({
    name: 'isRfc3339', target: target.constructor, propertyName: propertyName as string, options,
    validator: {
      validate: isRfc3339,
      defaultMessage: () => `${String(propertyName)} must be an RFC 3339 time with a zone, e.g. 2026-11-23T14:00:00Z`,
    },
  });
}

export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => registerDecorator({
    name: 'isCalendarDate', target: target.constructor, propertyName: propertyName as string, options,
    validator: {
      validate: (value: unknown) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && isRfc3339(`${value}T00:00:00Z`),
      defaultMessage: () => `${String(propertyName)} must be a calendar date, e.g. 2026-06-30`,
    },
  });
}

export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => registerDecorator({
    name: 'isTimeZone', target: target.constructor, propertyName: propertyName as string, options,
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string' || value.length > 64) return false;
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: value });
          return true;
        } catch {
          return false;
        }
      },
      defaultMessage: () => `${String(propertyName)} must be an IANA time zone, e.g. America/New_York`,
    },
  });
}

/** Identifiers in the tenant's namespace: subject ids, authorization ids. Never free text. */
export const IDENTIFIER = /^[A-Za-z0-9._-]{1,128}$/;
export const POSITION = /^\d{1,30}$/;

/** Query-string time travel and read-your-writes, shared by every GET route. */
export class ReadOptionsQuery {
  @IsOptional() @IsRfc3339() asOf?: string;
  @IsOptional() @IsRfc3339() knownAt?: string;
  @IsOptional() @Matches(POSITION, { message: 'minPosition must be a decimal position' }) minPosition?: string;
}

/** A value that must be a boolean in JSON stays what it was, so that "true" (a string) is refused. */
export const Keep = () => Transform(({ obj, key }) => obj[key]);
