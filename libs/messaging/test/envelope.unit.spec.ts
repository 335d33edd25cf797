import { contactStreamId, subjectStreamId, tenantStreamId } from '@app/domain';
import type { RecordedEvent } from '@app/event-store';
import {
  fromCloudEventMessage, parseInbound, parseStream, suppressionKey, toCloudEventMessage, TOPICS, topicDefinitions,
} from '@app/messaging';

function recorded(streamId: string, type: string, data: unknown, tenantId = 'acme-east'): RecordedEvent {
  return {
    id: '0b7e1f4a-9d51-4c1e-8a47-2f7c0e1d5a10', streamId, revision: 3, position: 123456789n, type, data,
    metadata: { tenantId, effectiveAt: '2026-11-20T09:00:00Z', recordedAt: '2026-11-23T14:00:00Z', schemaVersion: 1, actor: 'test' },
    recordedAt: '2026-11-23T14:00:00.123Z', hash: 'h', prevHash: null,
  };
}

describe('CloudEvents envelope (Kafka binding, binary mode)', () => {
  it('maps a subject event to ce_ headers, a JSON value and the person key', () => {
    const message = toCloudEventMessage(recorded(subjectStreamId('acme-east', 'p-1'), 'consent.preference-set.v1', { subjectId: 'p-1', purpose: 'marketing' }));
    expect(message.key).toBe('acme-east:p-1');
    expect(message.headers).toEqual({
      'content-type': 'application/json',
      ce_specversion: '1.0',
      ce_id: '0b7e1f4a-9d51-4c1e-8a47-2f7c0e1d5a10',
      ce_type: 'consent.preference-set.v1',
      ce_source: '/consent-ledger/tenants/acme-east',
      ce_subject: 'subjects/p-1',
      ce_time: '2026-11-23T14:00:00Z',
      ce_tenant: 'acme-east',
      ce_position: '123456789',
      ce_streamrevision: '3',
      ce_effectiveat: '2026-11-20T09:00:00Z',
      ce_schemaversion: '1',
    });
    expect(JSON.parse(message.value!)).toEqual({ subjectId: 'p-1', purpose: 'marketing' });
    const back = fromCloudEventMessage({ key: Buffer.from(message.key), value: Buffer.from(message.value!), headers: message.headers });
    expect(back).toMatchObject({ id: '0b7e1f4a-9d51-4c1e-8a47-2f7c0e1d5a10', tenant: 'acme-east', data: { purpose: 'marketing' } });
  });

  it('keys contact events by address key and tenant events by tenant, and never carries personal data', () => {
    const key = 'a'.repeat(64);
    expect(toCloudEventMessage(recorded(contactStreamId('acme-east', key), 'consent.contact-opted-out.v1', { contactKey: key })).key).toBe(`acme-east:${key}`);
    expect(toCloudEventMessage(recorded(tenantStreamId('acme-east'), 'consent.tenant-settings-changed.v1', {})).key).toBe('acme-east');
    const linked = toCloudEventMessage(recorded(subjectStreamId('acme-east', 'p-1'), 'consent.contact-point-linked.v1', { contactKey: key, value: '$enc.v1.sealed' }));
    expect(JSON.parse(linked.value!)).toEqual({ contactKey: key, value: null });
    const granted = toCloudEventMessage(recorded(subjectStreamId('acme-east', 'p-1'), 'consent.authorization-granted.v1', {
      authorizationId: 'a1', recipients: ['x'], signature: { signerName: 'sealed', method: 'typed', authentication: { ip: 'sealed', method: 'portal' } },
    }));
    expect(JSON.parse(granted.value!)).toEqual({
      authorizationId: 'a1', recipients: null, signature: { signerName: null, method: 'typed', authentication: { ip: null, method: 'portal' } },
    });
  });

  it('reads stream ids with escaped tenant segments, and keys the suppression topic by kind', () => {
    const ref = parseStream(subjectStreamId('a-b', 'c'), 'a-b')!;
    expect(ref).toEqual({ kind: 'subject', tenantId: 'a-b', key: 'c' });
    expect(suppressionKey(ref)).toBe('a-b:subject:c');
    expect(parseStream(subjectStreamId('a', 'b-c'), 'a-b')).toBeNull();
  });
});

describe('topics', () => {
  it('compacts the suppression topic and gives each topic the configured partitions and replication', () => {
    const defs = topicDefinitions({ partitions: 6, replicationFactor: 3, eventsRetentionMs: -1 });
    expect(defs.map((d) => d.topic)).toEqual([TOPICS.events, TOPICS.suppressions, TOPICS.inbound, TOPICS.inboundDlq]);
    expect(defs.every((d) => d.numPartitions === 6 && d.replicationFactor === 3)).toBe(true);
    const config = (topic: string, name: string) => defs.find((d) => d.topic === topic)!.configEntries!.find((c) => c.name === name)?.value;
    expect(config(TOPICS.suppressions, 'cleanup.policy')).toBe('compact');
    expect(config(TOPICS.events, 'retention.ms')).toBe('-1');
    expect(config(TOPICS.events, 'min.insync.replicas')).toBe('2');
  });
});

describe('inbound messages', () => {
  const base = { id: 'm-1', tenantId: 'acme' };
  it.each([
    [{ ...base, type: 'unsubscribe', contact: { type: 'email', value: 'a@example.com' } }],
    [{ ...base, type: 'spam-complaint', contact: { type: 'email', key: 'f'.repeat(64) }, purpose: '*', channel: 'email' }],
    [{ ...base, type: 'hard-bounce', contact: { type: 'phone', value: '+15550001111' }, occurredAt: '2026-11-23T10:00:00-05:00' }],
    [{ ...base, type: 'opt-in', contact: { type: 'email', value: 'a@example.com' }, source: 'double-opt-in' }],
    [{ ...base, type: 'sms', from: '+15550001111', body: 'STOP', inReplyTo: { purpose: 'marketing' } }],
    [{ ...base, type: 'expiration-event', event: 'study-1-closed', subjectId: 'p-1' }],
  ])('accepts %j', (message) => {
    expect(parseInbound(JSON.stringify(message))).toMatchObject({ ok: true, message: { id: 'm-1', type: message.type } });
  });

  it.each([
    [null, 'empty message'],
    ['[1]', 'not a JSON object'],
    ['{"type":"teleport"}', 'type must be one of unsubscribe, spam-complaint, hard-bounce, opt-in, sms, expiration-event'],
    [JSON.stringify({ ...base, type: 'unsubscribe', contact: { type: 'email' } }), 'invalid: contact needs exactly one of value, key'],
    [JSON.stringify({ ...base, type: 'sms', from: '+1555', body: 'STOP', receivedAt: 'yesterday' }), 'invalid: receivedAt (isInstant)'],
    [JSON.stringify({ id: 'bad id!', type: 'expiration-event', tenantId: 'acme', event: 'x' }), 'invalid: id (matches)'],
  ])('refuses %s with a reason naming no value', (value, reason) => {
    expect(parseInbound(value)).toEqual({ ok: false, reason });
  });
});
