import { randomUUID } from 'node:crypto';
import { contactKeyOf, contactStreamId, subjectStreamId } from '@app/domain';
import type { RecordedEvent } from '@app/event-store';
import { DLQ_HEADERS, TOPICS } from '@app/messaging';
import type { Database } from '@app/platform/database';
import type { Producer } from 'kafkajs';
import { IngestRole } from '../../../apps/ledger-worker/src/roles/ingest.role';
import { DATABASE } from '../../../apps/ledger-api/src/ledger/tokens';
import { type KafkaBroker, startKafka } from '../../../test/support/kafka/broker';
import { startLedger, type TestLedger } from '../../../test/support/ledger';
import { header, readTopic, testKafka, until } from './support/kafka';

const TENANT = 'inbound';

describe('consent.inbound.v1 ingest (real broker)', () => {
  let broker: KafkaBroker;
  let ledger: TestLedger;
  let producer: Producer;
  let db: Database;

  beforeAll(async () => {
    broker = await startKafka();
    ledger = await startLedger({
      backend: 'postgres',
      env: { KAFKA_BROKERS: broker.brokers, LEDGER_ROLES: 'api,ingest,projector', KAFKA_TOPIC_PARTITIONS: '3' },
    });
    db = ledger.app.get<Database>(DATABASE);
    await ledger.app.get(IngestRole).consumer!.ready();
    producer = testKafka(broker.brokers).producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await ledger?.close();
    await broker?.stop();
  });

  const send = async (...values: (object | string)[]) => {
    await producer.send({
      topic: TOPICS.inbound, acks: -1,
      messages: values.map((v) => ({ key: TENANT, value: typeof v === 'string' ? v : JSON.stringify(v) })),
    });
  };
  const stream = (id: string): Promise<RecordedEvent[]> => ledger.store.readStream(id);
  const contactStream = (value: string) => contactStreamId(TENANT, contactKeyOf(value));
  const eventually = (what: string, streamId: string, count: number) =>
    until(what, async () => (await stream(streamId)).length >= count, 30_000);

  it('an unsubscribe for an address linked to no subject suppresses that address', async () => {
    const address = 'nobody@example.com';
    await send({ id: randomUUID(), type: 'unsubscribe', tenantId: TENANT, contact: { type: 'email', value: 'Nobody@Example.com ' } });
    await eventually('the unsubscribe to be appended', contactStream(address), 1);
    const [event] = await stream(contactStream(address));
    expect(event.type).toBe('consent.contact-opted-out.v1');
    expect(event.data).toMatchObject({ contactKey: contactKeyOf(address), purpose: 'marketing', channel: 'email', source: 'esp-unsubscribe' });
    expect(event.metadata).toMatchObject({ tenantId: TENANT, actor: 'kafka:unsubscribe' });

    const token = await ledger.token(TENANT);
    const check = await ledger.request('POST', '/v1/eligibility/check', {
      token, body: { contact: { type: 'email', value: address }, channel: 'email', purpose: 'marketing', minPosition: event.position.toString() },
    });
    expect(check.status).toBe(200);
    expect(check.body.decision).toBe('DENY');
  });

  it('the same message delivered twice appends one event', async () => {
    const address = 'twice@example.com';
    const message = { id: `esp-${randomUUID()}`, type: 'spam-complaint', tenantId: TENANT, contact: { type: 'email', value: address }, occurredAt: '2026-11-20T10:00:00Z' };
    await send(message);
    await send(message);
    // A later message on the same address: once it is appended, both deliveries of the first have been handled.
    await send({ id: randomUUID(), type: 'hard-bounce', tenantId: TENANT, contact: { type: 'email', key: contactKeyOf(address) } });
    await eventually('the complaint and the bounce', contactStream(address), 2);
    await new Promise((r) => setTimeout(r, 500));
    const events = await stream(contactStream(address));
    expect(events.map((e) => e.type)).toEqual(['consent.contact-opted-out.v1', 'consent.contact-undeliverable.v1']);
    expect(events[0].data).toMatchObject({ source: 'esp-complaint', effectiveAt: '2026-11-20T10:00:00Z' });
  });

  it('a malformed message lands in the DLQ with its reason and does not stop the consumer', async () => {
    const invalidId = randomUUID();
    await send(
      '{ this is not json',
      { id: invalidId, type: 'unsubscribe', tenantId: TENANT, contact: { type: 'email', value: 'not-an-address' } },
      { id: randomUUID(), type: 'unsubscribe', tenantId: TENANT, contact: { type: 'fax', value: 'x' }, colour: 'blue' },
      { id: randomUUID(), type: 'opt-in', tenantId: TENANT, contact: { type: 'email', value: 'nobody@example.com' }, source: 'esp-resubscribe' },
      { id: randomUUID(), type: 'sms', tenantId: TENANT, from: '+15550001111', body: 'STOP' },
    );
    await eventually('the STOP after the bad messages', contactStream('+15550001111'), 1);
    expect((await stream(contactStream('+15550001111'))).map((e) => (e.data as { source: string }).source)).toContain('sms-stop');

    let dlq: Awaited<ReturnType<typeof readTopic>> = [];
    await until('four messages in the DLQ', async () => (dlq = await readTopic(broker.brokers, TOPICS.inboundDlq)).length >= 4, 30_000, 250);
    expect(dlq.map((m) => header(m, DLQ_HEADERS.reason))).toEqual([
      'not JSON',
      'invalid: contact.value (not an email address)',
      expect.stringMatching(/^invalid: .*colour.*contact\.type \(isIn\)|^invalid: .*contact\.type \(isIn\).*colour/),
      'rejected: ResubscribeRequiresSubjectAction',
    ]);
    expect(dlq[1].value).toContain(invalidId);
    expect(dlq.every((m) => header(m, DLQ_HEADERS.topic) === TOPICS.inbound && header(m, DLQ_HEADERS.offset) !== undefined)).toBe(true);
    // The reason names fields and rules, never the value.
    expect(dlq.map((m) => header(m, DLQ_HEADERS.reason)).join(' ')).not.toContain('not-an-address');

    const metrics = (await ledger.request('GET', '/metrics')).text;
    expect(metrics).toMatch(/^ledger_ingest_dlq_total 4$/m);
    expect(metrics).toMatch(/^ledger_ingest_messages_total\{outcome="dlq"\} 4$/m);
    expect(metrics).not.toContain('not-an-address');
  });

  it('turns an EHR expiration event into the end of the authorizations naming it', async () => {
    const token = await ledger.token(TENANT);
    const grant = await ledger.request('POST', '/v1/subjects/p1/authorizations', {
      token,
      body: {
        formId: 'hipaa-marketing', formVersion: '2026-01', purposes: ['research'], channels: ['email'],
        informationDescription: 'Name and services', disclosers: ['Acme'], recipients: ['Acme Research'], purposeStatement: 'A study',
        expirationEvent: 'study-7-closed', remuneration: { involved: false },
        statements: { rightToRevoke: true, noConditioning: true, redisclosure: true },
        signature: { signerName: 'Pat', signedAt: '2026-11-01T10:00:00Z', signerRole: 'self', method: 'typed' },
      },
    });
    expect(grant.status).toBeLessThan(300);
    const head = BigInt(grant.body.position);
    await until('the projector to index the grant', async () => {
      const [row] = await db.query<{ position: string }>("SELECT position FROM projection_checkpoints WHERE name = 'expiring-authorizations'");
      return BigInt(row?.position ?? 0) >= head;
    });
    await send({ id: randomUUID(), type: 'expiration-event', tenantId: TENANT, event: 'study-7-closed', occurredAt: '2026-11-22T00:00:00Z' });
    await until('the expiry', async () => (await stream(subjectStreamId(TENANT, 'p1'))).some((e) => e.type === 'consent.authorization-expired.v1'), 30_000);
  });
});
