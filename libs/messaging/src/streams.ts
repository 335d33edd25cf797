import { contactStreamId, subjectStreamId, tenantStreamId } from '@app/domain';

export type StreamKind = 'subject' | 'contact' | 'tenant';

/** What a stream is about: a person (subject id), an address (contact key, a SHA-256) or the tenant itself. */
export interface StreamRef { kind: StreamKind; tenantId: string; key: string }

/** Reads a stream id of @app/domain given its tenant (the tenant segment is escaped in the id); null if foreign. */
export function parseStream(streamId: string, tenantId: string): StreamRef | null {
  const subject = subjectStreamId(tenantId, '');
  if (streamId.startsWith(subject)) return { kind: 'subject', tenantId, key: streamId.slice(subject.length) };
  const contact = contactStreamId(tenantId, '');
  if (streamId.startsWith(contact)) return { kind: 'contact', tenantId, key: streamId.slice(contact.length) };
  if (streamId === tenantStreamId(tenantId)) return { kind: 'tenant', tenantId, key: tenantId };
  return null;
}

/**
 * The Kafka key of a stream's messages: `{tenantId}:{subjectId}`, `{tenantId}:{contactKey}`, or `{tenantId}` for the
 * tenant stream. One stream, one key, one partition: a person's (or an address's) events stay in order.
 */
export function eventKey(ref: StreamRef): string {
  return ref.kind === 'tenant' ? ref.tenantId : `${ref.tenantId}:${ref.key}`;
}

/** The key on the compacted suppression topic: `{tenantId}:contact:{contactKey}` or `{tenantId}:subject:{subjectId}`. */
export function suppressionKey(ref: StreamRef): string {
  return `${ref.tenantId}:${ref.kind}:${ref.key}`;
}
