import { EVENT_WIRE_NAMES, type LedgerEventType, PERSONAL_DATA_FIELDS } from '@app/domain';
import type { RecordedEvent } from '@app/event-store';
import type { IHeaders } from 'kafkajs';
import { eventKey, parseStream, type StreamRef } from './streams';

/**
 * CloudEvents 1.0, Kafka protocol binding, binary content mode
 * (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/kafka-protocol-binding.md):
 * the data is the message value, `datacontenttype` is the `content-type` header, every other attribute is a
 * `ce_`-prefixed header whose value is the attribute's string form (UTF-8). The message key is the partition key.
 */
export const CE_SPEC_VERSION = '1.0';
export const CE_CONTENT_TYPE = 'application/json';

/** Extensions (lower-case a-z0-9, at most 20 characters, as the spec recommends). */
export const CE_EXTENSIONS = ['tenant', 'position', 'streamrevision', 'effectiveat', 'schemaversion'] as const;

export interface CloudEventAttributes {
  specversion: string;
  id: string;
  type: string;
  source: string;
  subject: string;
  time: string;
  datacontenttype: string;
  tenant: string;
  position: string;
  streamrevision: string;
  effectiveat: string;
  schemaversion: string;
}

export interface KafkaOutMessage { key: string; value: string | null; headers: IHeaders; timestamp?: string }

const TYPE_BY_WIRE = new Map<string, LedgerEventType>(
  (Object.entries(EVENT_WIRE_NAMES) as [LedgerEventType, string][]).map(([ts, wire]) => [wire, ts]),
);

/** `ce_source`: the ledger's namespace of one tenant. Event ids are UUIDs, unique within it. */
export function ceSource(tenantId: string): string {
  return `/consent-ledger/tenants/${encodeURIComponent(tenantId)}`;
}

/** `ce_subject`: what the event is about, `subjects/{subjectId}`, `contacts/{contactKey}` or `tenant`. */
export function ceSubject(ref: StreamRef): string {
  return ref.kind === 'tenant' ? 'tenant' : `${ref.kind}s/${encodeURIComponent(ref.key)}`;
}

/**
 * The payload as it leaves the ledger: the stored event data with every personal field (PERSONAL_DATA_FIELDS: names,
 * contact values, free text, attribution) set to null. Kafka keeps copies the ledger cannot crypto-shred (H11), so
 * personal data stays in the ledger; consumers read it over the API. Keys, codes, instants and hashes stay.
 */
export function publicData(type: LedgerEventType | undefined, data: unknown): unknown {
  const paths = type ? PERSONAL_DATA_FIELDS[type] : [];
  if (!paths || paths.length === 0 || data === null || typeof data !== 'object') return data;
  const copy = structuredClone(data) as Record<string, unknown>;
  for (const path of paths) {
    const parts = path.split('.');
    let at: unknown = copy;
    for (const part of parts.slice(0, -1)) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[part] : undefined;
    const last = parts[parts.length - 1];
    if (at && typeof at === 'object' && last in (at as Record<string, unknown>) && (at as Record<string, unknown>)[last] !== null) {
      (at as Record<string, unknown>)[last] = null;
    }
  }
  return copy;
}

/** The CloudEvent of one recorded event, as a Kafka message for `consent.ledger.events.v1`. */
export function toCloudEventMessage(event: RecordedEvent): KafkaOutMessage {
  const tenantId = event.metadata.tenantId;
  const ref = parseStream(event.streamId, tenantId) ?? { kind: 'tenant' as const, tenantId, key: tenantId };
  const attributes: CloudEventAttributes = {
    specversion: CE_SPEC_VERSION,
    id: event.id,
    type: event.type,
    source: ceSource(tenantId),
    subject: ceSubject(ref),
    time: event.metadata.recordedAt,
    datacontenttype: CE_CONTENT_TYPE,
    tenant: tenantId,
    position: event.position.toString(),
    streamrevision: String(event.revision),
    effectiveat: event.metadata.effectiveAt,
    schemaversion: String(event.metadata.schemaVersion),
  };
  const headers: IHeaders = { 'content-type': CE_CONTENT_TYPE };
  for (const [name, value] of Object.entries(attributes)) {
    if (name !== 'datacontenttype') headers[`ce_${name}`] = value;
  }
  return {
    key: eventKey(ref),
    value: JSON.stringify(publicData(TYPE_BY_WIRE.get(event.type), event.data)),
    headers,
    timestamp: String(Date.parse(event.metadata.recordedAt) || Date.now()),
  };
}

export interface ReceivedCloudEvent extends CloudEventAttributes { key: string | null; data: unknown }

function headerText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return headerText(value[0]);
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** Reads a binary-mode CloudEvent back from a consumed message (for consumers and tests); throws if it is not one. */
export function fromCloudEventMessage(message: { key: Buffer | string | null; value: Buffer | string | null; headers?: IHeaders }): ReceivedCloudEvent {
  const h = (name: string) => headerText(message.headers?.[name]);
  const specversion = h('ce_specversion');
  if (specversion !== CE_SPEC_VERSION) throw new Error(`not a CloudEvents ${CE_SPEC_VERSION} message (ce_specversion ${specversion})`);
  const get = (name: string): string => {
    const value = h(`ce_${name}`);
    if (value === undefined) throw new Error(`CloudEvent without ce_${name}`);
    return value;
  };
  const value = message.value === null ? null : message.value.toString();
  return {
    specversion, id: get('id'), type: get('type'), source: get('source'), subject: get('subject'), time: get('time'),
    datacontenttype: h('content-type') ?? CE_CONTENT_TYPE, tenant: get('tenant'), position: get('position'),
    streamrevision: get('streamrevision'), effectiveat: get('effectiveat'), schemaversion: get('schemaversion'),
    key: message.key === null ? null : message.key.toString(),
    data: value === null ? null : JSON.parse(value),
  };
}
