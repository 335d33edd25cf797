import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import {
  Equals, IsDefined, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, registerDecorator,
  validateSync, type ValidationError, ValidateNested, type ValidationOptions,
} from 'class-validator';
import {
  CHANNELS, CONTACT_TYPES, type ChannelScope, type ContactType, isInstant, OPT_IN_SOURCES, type OptInSource,
  PURPOSES, type Purpose, type PurposeScope,
} from '@app/domain';

/**
 * consent.inbound.v1: one JSON object per message, from email platforms, SMS gateways and EHRs. `id` is the sender's
 * message id: the ledger acts on it once (a redelivery appends nothing). The tenant is named by the message: only
 * trusted integrations may write to the topic (Kafka ACLs), as only the ledger's token issuer may mint tenants.
 */
export const INBOUND_TYPES = ['unsubscribe', 'spam-complaint', 'hard-bounce', 'opt-in', 'sms', 'expiration-event'] as const;
export type InboundType = (typeof INBOUND_TYPES)[number];

const ID = /^[A-Za-z0-9._:@\/+=-]{1,200}$/;
const TENANT = /^[A-Za-z0-9._-]{1,64}$/;
const IDENTIFIER = /^[A-Za-z0-9._-]{1,128}$/;
const PURPOSE_SCOPES = [...PURPOSES, '*'] as const;
const CHANNEL_SCOPES = [...CHANNELS, '*'] as const;

function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => registerDecorator({
    name: 'isInstant', target: target.constructor, propertyName: propertyName as string, options,
    validator: {
      validate: (value: unknown) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && isInstant(value),
      defaultMessage: () => `${String(propertyName)} must be an RFC 3339 time with a zone`,
    },
  });
}

/** An address, by its value (normalised here) or by its key (SHA-256 of the normalised value). */
export class InboundContact {
  @IsIn(CONTACT_TYPES) type!: ContactType;
  @IsOptional() @IsString() @MaxLength(320) value?: string;
  @IsOptional() @Matches(/^[0-9a-f]{64}$/, { message: 'key must be a lower-case hex SHA-256' }) key?: string;
}

abstract class InboundBase {
  @Matches(ID, { message: 'id must be 1-200 characters of A-Z a-z 0-9 . _ : @ / + = -' }) id!: string;
  @IsIn(INBOUND_TYPES) type!: InboundType;
  @Matches(TENANT, { message: 'tenantId must be 1-64 characters of A-Z a-z 0-9 . _ -' }) tenantId!: string;
}

abstract class InboundContactMessage extends InboundBase {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => InboundContact) contact!: InboundContact;
  /** Default: marketing (C4: an unsubscribe from commercial email leaves transactional messages). */
  @IsOptional() @IsIn(PURPOSE_SCOPES) purpose?: PurposeScope;
  /** Default: the channel of the address (email, or sms for a phone). */
  @IsOptional() @IsIn(CHANNEL_SCOPES) channel?: ChannelScope;
  /** When the person acted (or the bounce happened); default the time of recording. */
  @IsOptional() @IsInstant() occurredAt?: string;
}

/** An ESP's unsubscribe (list-unsubscribe, preference link): opt-out, source esp-unsubscribe. */
export class UnsubscribeMessage extends InboundContactMessage {
  @Equals('unsubscribe') declare type: 'unsubscribe';
}

/** A spam complaint (feedback loop): opt-out, source esp-complaint. */
export class SpamComplaintMessage extends InboundContactMessage {
  @Equals('spam-complaint') declare type: 'spam-complaint';
}

/** A hard bounce: the address is undeliverable for every purpose. */
export class HardBounceMessage extends InboundContactMessage {
  @Equals('hard-bounce') declare type: 'hard-bounce';
}

/** An opt-in reported by a platform; `import` and `esp-resubscribe` cannot lift an opt-out in force (C6). */
export class OptInMessage extends InboundContactMessage {
  @Equals('opt-in') declare type: 'opt-in';
  @IsIn(OPT_IN_SOURCES) source!: OptInSource;
}

export class InReplyTo {
  @IsIn(PURPOSES) purpose!: Purpose;
}

/** A text received by an SMS gateway (STOP, START, anything else): read by the domain's keyword rules (T1-T3). */
export class SmsMessage extends InboundBase {
  @Equals('sms') declare type: 'sms';
  @IsString() @MaxLength(32) from!: string;
  @IsString() @MaxLength(2000) body!: string;
  @IsOptional() @IsInstant() receivedAt?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => InReplyTo) inReplyTo?: InReplyTo;
}

/** An EHR's expiration event (e.g. a study closed): ends the authorizations naming it, for one subject or all. */
export class ExpirationEventMessage extends InboundBase {
  @Equals('expiration-event') declare type: 'expiration-event';
  @IsString() @MinLength(1) @MaxLength(200) event!: string;
  @IsOptional() @Matches(IDENTIFIER, { message: 'subjectId must be 1-128 characters of A-Z a-z 0-9 . _ -' }) subjectId?: string;
  @IsOptional() @IsInstant() occurredAt?: string;
}

export type InboundMessage = UnsubscribeMessage | SpamComplaintMessage | HardBounceMessage | OptInMessage | SmsMessage | ExpirationEventMessage;

const CLASSES: Record<InboundType, new () => InboundMessage> = {
  unsubscribe: UnsubscribeMessage,
  'spam-complaint': SpamComplaintMessage,
  'hard-bounce': HardBounceMessage,
  'opt-in': OptInMessage,
  sms: SmsMessage,
  'expiration-event': ExpirationEventMessage,
};

export type Parsed = { ok: true; message: InboundMessage } | { ok: false; reason: string };

/** Longest inbound message accepted (bytes). */
export const INBOUND_MAX_BYTES = 64 * 1024;

/**
 * Parses and validates one inbound message. The reason of a refusal names fields and constraints only, never a
 * value (values may be addresses or texts), so it can travel in a header and a log line.
 */
export function parseInbound(value: Buffer | string | null): Parsed {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty message' };
  if (value.length > INBOUND_MAX_BYTES) return { ok: false, reason: `message larger than ${INBOUND_MAX_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(value.toString());
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { ok: false, reason: 'not a JSON object' };
  const type = (json as { type?: unknown }).type;
  const cls = typeof type === 'string' ? CLASSES[type as InboundType] : undefined;
  if (!cls) return { ok: false, reason: `type must be one of ${INBOUND_TYPES.join(', ')}` };
  const message = plainToInstance(cls, json);
  const errors = validateSync(message, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length > 0) return { ok: false, reason: `invalid: ${describe(errors).join('; ')}` };
  if ('contact' in message && message.contact) {
    const { value: v, key } = message.contact;
    if ((v === undefined) === (key === undefined)) return { ok: false, reason: 'invalid: contact needs exactly one of value, key' };
  }
  return { ok: true, message };
}

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = `${prefix}${e.property}`;
    const own = e.constraints ? [`${path} (${Object.keys(e.constraints).join(', ')})`] : [];
    return [...own, ...describe(e.children ?? [], `${path}.`)];
  });
}
