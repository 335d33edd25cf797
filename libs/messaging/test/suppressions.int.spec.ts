import { contactKeyOf } from '@app/domain';
import { RELAY_CHECKPOINT, type SuppressionStateValue, TOPICS } from '@app/messaging';
import type { Database } from '@app/platform/database';
import { ConfigResourceTypes } from 'kafkajs';
import { LedgerStreams } from '../../../apps/ledger-api/src/ledger/ledger-streams';
import { DATABASE } from '../../../apps/ledger-api/src/ledger/tokens';
import { randomHistory } from '../../../test/support/history';
import { type KafkaBroker, startKafka } from '../../../test/support/kafka/broker';
import { startLedger, type TestLedger } from '../../../test/support/ledger';
import { readTopic, testKafka, until } from './support/kafka';

interface Row { tenant_id: string; key: string; contact_type?: string | null; kind: string; purpose: string; channel: string; since: Date; source: string; position: string }

type Mirror = Map<string, SuppressionStateValue>;

/** A mirror built the way a consumer would: read the topic from the beginning, last value per key, tombstones delete. */
async function mirror(brokers: string, tenant: string): Promise<Mirror> {
  const out: Mirror = new Map();
  for (const m of await readTopic(brokers, TOPICS.suppressions)) {
    if (!m.key!.startsWith(`${tenant}:`)) continue;
    if (m.value === null) out.delete(m.key!);
    else out.set(m.key!, JSON.parse(m.value) as SuppressionStateValue);
  }
  return out;
}

const canonical = (items: { kind: string; purpose: string; channel: string; since: string | Date; source: string }[]) =>
  items.map((s) => `${s.kind}|${s.purpose}|${s.channel}|${new Date(s.since).toISOString()}|${s.source}`).sort();

/** The read models' suppression state, keyed like the topic. */
async function readModels(db: Database, tenant: string): Promise<Map<string, { position: string; contactType?: string | null; suppressions: string[] }>> {
  const contacts = await db.query<Row>(
    'SELECT tenant_id, contact_key AS key, contact_type, kind, purpose, channel, since, source, position FROM rm_contact_suppressions WHERE tenant_id = $1', [tenant]);
  const subjects = await db.query<Row>(
    `SELECT tenant_id, subject_id AS key, 'opt-out' AS kind, purpose, channel, since, source, position FROM rm_subject_opt_outs WHERE tenant_id = $1`, [tenant]);
  const out = new Map<string, { position: string; contactType?: string | null; rows: Row[] }>();
  for (const [kind, rows] of [['contact', contacts], ['subject', subjects]] as const) {
    for (const row of rows) {
      const key = `${tenant}:${kind}:${row.key}`;
      const entry = out.get(key) ?? { position: row.position, ...(kind === 'contact' ? { contactType: row.contact_type } : {}), rows: [] };
      entry.rows.push(row);
      out.set(key, entry);
    }
  }
  return new Map([...out].map(([key, e]) => [key, { position: e.position, ...(e.contactType !== undefined ? { contactType: e.contactType } : {}), suppressions: canonical(e.rows) }]));
}

async function position(db: Database, name: string): Promise<bigint> {
  const [row] = await db.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1', [name]);
  return row ? BigInt(row.position) : 0n;
}

describe('consent.suppressions.v1 (real broker)', () => {
  let broker: KafkaBroker;
  let ledger: TestLedger;
  let db: Database;
  beforeAll(async () => {
    broker = await startKafka();
    ledger = await startLedger({
      backend: 'postgres',
      env: { KAFKA_BROKERS: broker.brokers, LEDGER_ROLES: 'api,relay,projector', KAFKA_TOPIC_PARTITIONS: '3', KAFKA_RELAY_BATCH_SIZE: '200' },
    });
    db = ledger.app.get<Database>(DATABASE);
  });
  afterAll(async () => {
    await ledger?.close();
    await broker?.stop();
  });

  /**
   * Waits until the relay and the projector have passed every event appended so far. The last committed position is
   * read from the table itself: the readers' head may lag it while another session on the server holds a transaction.
   */
  const settled = async () => {
    const [row] = await db.query<{ last: string | null }>('SELECT max(position) AS last FROM ledger_events');
    const last = BigInt(row?.last ?? 0);
    await until('the relay and the projector to pass the last event', async () =>
      (await position(db, RELAY_CHECKPOINT)) >= last && (await position(db, 'eligibility')) >= last, 90_000);
  };

  it('is created log-compacted', async () => {
    await until('the relay to create its topics', async () => {
      const admin = testKafka(broker.brokers).admin();
      await admin.connect();
      try {
        return (await admin.listTopics()).includes(TOPICS.suppressions);
      } finally {
        await admin.disconnect();
      }
    });
    const admin = testKafka(broker.brokers).admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPICS.suppressions, configNames: ['cleanup.policy'] }] });
      expect(described.resources[0].configEntries.find((c) => c.configName === 'cleanup.policy')?.configValue).toBe('compact');
    } finally {
      await admin.disconnect();
    }
  });

  it('read from the beginning after a randomized history, holds exactly the read models\u2019 suppression state', async () => {
    const seed = 1 + Math.floor(Math.random() * 1_000_000);
    const tenant = `mirror-${seed}`;
    const history = await randomHistory(ledger.app.get(LedgerStreams), ledger.clock, tenant, { seed, events: 1000, subjects: 40 });
    expect(history.events).toBeGreaterThanOrEqual(1000);
    await settled();

    const [topic, expected] = await Promise.all([mirror(broker.brokers, tenant), readModels(db, tenant)]);
    const actual = new Map([...topic].map(([key, v]) => [key, {
      position: v.position, ...(v.kind === 'contact' ? { contactType: v.contactType } : {}), suppressions: canonical(v.suppressions),
    }]));
    // The history does suppress some addresses and some people, and lifts some suppressions again.
    expect([...expected.keys()].some((k) => k.includes(':contact:'))).toBe(true);
    expect([...expected.keys()].some((k) => k.includes(':subject:'))).toBe(true);
    expect({ seed, mirror: Object.fromEntries(actual) }).toEqual({ seed, mirror: Object.fromEntries(expected) });
    for (const [key, value] of topic) {
      const [, kind, id] = key.split(':');
      expect(value).toMatchObject({ tenantId: tenant, kind, ...(kind === 'contact' ? { contactKey: id } : { subjectId: id }) });
    }
  });

  it('publishes the lifted state and a tombstone when nothing remains', async () => {
    const tenant = 'mirror-lift';
    const token = await ledger.token(tenant);
    const value = 'lifted@example.com';
    const key = `${tenant}:contact:${contactKeyOf(value)}`;
    const choice = (path: string, purpose: string, source: string) =>
      ledger.request('POST', `/v1/contacts/${path}`, { token, body: { type: 'email', value, purpose, channel: 'email', source } });
    expect((await choice('opt-out', 'marketing', 'one-click')).status).toBeLessThan(300);
    expect((await choice('opt-out', 'fundraising', 'one-click')).status).toBeLessThan(300);
    await settled();
    expect((await mirror(broker.brokers, tenant)).get(key)?.suppressions.map((s) => s.purpose).sort()).toEqual(['fundraising', 'marketing']);

    ledger.clock.advance(60_000);
    expect((await choice('opt-in', 'marketing', 'preference-centre')).status).toBeLessThan(300);
    await settled();
    expect((await mirror(broker.brokers, tenant)).get(key)?.suppressions).toEqual([
      expect.objectContaining({ kind: 'opt-out', purpose: 'fundraising', channel: 'email', source: 'one-click' }),
    ]);

    ledger.clock.advance(60_000);
    expect((await choice('opt-in', 'fundraising', 'preference-centre')).status).toBeLessThan(300);
    await settled();
    const messages = (await readTopic(broker.brokers, TOPICS.suppressions)).filter((m) => m.key === key);
    // After each change, the state then (the two opt-outs may share a relay batch): ... 2, 1, then the tombstone.
    expect(messages.map((m) => (m.value === null ? null : (JSON.parse(m.value) as SuppressionStateValue).suppressions.length)).slice(-3)).toEqual([2, 1, null]);
    expect(messages[messages.length - 1].value).toBeNull();
    expect((await mirror(broker.brokers, tenant)).has(key)).toBe(false);
    expect(await db.query('SELECT 1 FROM rm_contact_suppressions WHERE tenant_id = $1', [tenant])).toEqual([]);
  });
});
