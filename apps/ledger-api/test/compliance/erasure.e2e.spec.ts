import type { Database } from '@app/platform/database';
import { DATABASE } from '../../src/ledger/tokens';
import { startLedger, type TestLedger } from '../../../../test/support/ledger';
import { grantBody } from '../fixtures';

/** The personal values of one subject, each distinctive enough that finding it anywhere is a leak. */
const PERSONAL = {
  signerName: 'Zelda Quixote-Erasure',
  informationDescription: 'Zelda medical summary 7731',
  purposeStatement: 'Wellness offers for Zelda 7731',
  discloser: 'Discloser Zeta 7731',
  recipient: 'Recipient Omega 7731',
  remuneration: 'Remuneration from Omega 7731',
  note: 'Zelda asked by letter 7731',
  email: 'zelda.erasure.7731@example.com',
  phone: '+15557317731',
  sms: 'stop by at 7731?',
};
const ORIGINALS = Object.values(PERSONAL);

/**
 * H11 erasure (API.md "Erasure"): crypto-shredding leaves the events as a skeleton whose hashes verify, and no table
 * holds a readable personal value afterwards; inside the retention window it is refused and nothing changes.
 */
describe.each(['pglite', 'postgres'] as const)('erasure on %s', (backend) => {
  let ledger: TestLedger;
  let db: Database;
  let token: string;
  const subject = '/v1/subjects/p-erase';

  beforeAll(async () => {
    ledger = await startLedger({ backend });
    db = ledger.app.get<Database>(DATABASE);
    token = await ledger.token('acme');
    const grant = await ledger.request('POST', `${subject}/authorizations`, {
      token,
      body: grantBody({
        informationDescription: PERSONAL.informationDescription,
        purposeStatement: PERSONAL.purposeStatement,
        disclosers: [PERSONAL.discloser],
        recipients: [PERSONAL.recipient],
        remuneration: { involved: true, statement: PERSONAL.remuneration },
        expiresAt: '2027-06-30T00:00:00Z',
        signature: { signerName: PERSONAL.signerName, signedAt: '2026-11-23T13:00:00Z', signerRole: 'self', representativeAuthority: null, method: 'typed', image: null },
      }),
    });
    expect(grant.status).toBe(201);
    expect((await ledger.request('POST', `${subject}/contacts`, { token, body: { type: 'email', value: PERSONAL.email } })).status).toBe(200);
    expect((await ledger.request('POST', `${subject}/contacts`, { token, body: { type: 'phone', value: PERSONAL.phone } })).status).toBe(200);
    const sms = await ledger.request('POST', '/v1/inbound/sms', { token, body: { from: PERSONAL.phone, body: PERSONAL.sms } });
    expect(sms.body.action).toBe('review');
    ledger.clock.set('2026-12-01T09:00:00Z');
    const revoke = await ledger.request('POST', `${subject}/authorizations/auth-1/revoke`, { token, body: { receivedVia: 'mail', note: PERSONAL.note } });
    expect(revoke.status).toBe(200);
    // Another subject of the same tenant with no authorization at all: nothing holds its erasure.
    await ledger.request('POST', '/v1/subjects/p-free/contacts', { token, body: { type: 'email', value: 'free.7731@example.com' } });
  });
  afterAll(() => ledger.close());

  /** Every table of the database, every row as text (bytea as its bytes), searched for the original values. */
  async function leaks(values: readonly string[]): Promise<string[]> {
    const tables = await db.query<{ table_schema: string; table_name: string }>(
      `SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['ledger_events', 'subject_data_keys', 'contact_data_keys', 'rm_subject_states']));
    const found: string[] = [];
    for (const { table_schema, table_name } of tables) {
      const rows = await db.query<Record<string, unknown>>(`SELECT * FROM "${table_schema}"."${table_name}"`);
      for (const row of rows) {
        const text = Object.values(row).map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : typeof v === 'object' ? JSON.stringify(v) : String(v))).join('\u0000').toLowerCase();
        for (const value of values) if (text.includes(value.toLowerCase())) found.push(`${table_name}: ${value}`);
      }
    }
    return found;
  }

  it('stores personal fields sealed: the raw tables never hold them, while history and the subject view show them', async () => {
    expect(await leaks(ORIGINALS)).toEqual([]);
    const history = await ledger.request('GET', `${subject}/history`, { token });
    const granted = history.body.events.find((e: { type: string }) => e.type === 'AuthorizationGranted');
    expect(granted.data).toEqual(expect.objectContaining({
      informationDescription: PERSONAL.informationDescription, disclosers: [PERSONAL.discloser], recipients: [PERSONAL.recipient],
      signature: expect.objectContaining({ signerName: PERSONAL.signerName }),
    }));
    expect(history.body.events.find((e: { type: string }) => e.type === 'ContactPointLinked').data.value).toBe(PERSONAL.email);
    expect(history.body.events.find((e: { type: string }) => e.type === 'SmsReviewRequested').data.body).toBe(PERSONAL.sms);
    const view = await ledger.request('GET', subject, { token });
    expect(view.body.authorizations[0].remuneration).toEqual({ involved: true, statement: PERSONAL.remuneration });
  });

  it('H3 still reads the sealed remuneration statement: a paid marketing email is ALLOW before the revocation', async () => {
    const decision = await ledger.request('POST', '/v1/eligibility/check', {
      token,
      body: {
        subjectId: 'p-erase', channel: 'email', communication: { category: 'third-party-product', thirdPartyRemuneration: true },
        asOf: '2026-11-30T00:00:00Z', minPosition: (await ledger.store.headPosition()).toString(),
      },
    });
    expect(decision.body.decision).toBe('ALLOW');
    expect(decision.body.reasons.map((r: { code: string }) => r.code)).toEqual(['AUTHORIZED']);
  });

  it('H11: inside the retention window, erasure is 409 retention-hold with retainUntil, and nothing is appended or destroyed', async () => {
    const before = await ledger.store.headPosition();
    const refused = await ledger.request('DELETE', subject, { token });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual(expect.objectContaining({
      type: expect.stringMatching(/\/retention-hold$/), retainUntil: '2032-12-01T09:00:00Z', retainedWhileInEffect: false,
    }));
    expect(await ledger.store.headPosition()).toBe(before);
    const keys = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM subject_data_keys WHERE destroyed_at IS NOT NULL');
    expect(keys[0].n).toBe(0);
    const history = await ledger.request('GET', `${subject}/history`, { token });
    expect(history.body.events.some((e: { erased?: boolean }) => e.erased)).toBe(false);
  });

  it('H11: an authorization in effect with no end instant holds without an end: retainUntil null, retainedWhileInEffect', async () => {
    await ledger.request('POST', '/v1/subjects/p-study/authorizations', {
      token, body: grantBody({ authorizationId: 'study-1', purposes: ['research'], expiresAt: null, expirationEvent: 'study-77-closed' }),
    });
    const refused = await ledger.request('DELETE', '/v1/subjects/p-study', { token });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual(expect.objectContaining({ retainUntil: null, retainedWhileInEffect: true }));
  });

  it('erasure needs the admin scope, and an unknown subject is 404', async () => {
    const writer = await ledger.token('acme', ['consent:write', 'consent:read']);
    expect((await ledger.request('DELETE', subject, { token: writer })).status).toBe(403);
    expect((await ledger.request('DELETE', '/v1/subjects/nobody', { token })).status).toBe(404);
    expect((await ledger.request('DELETE', subject, { token: await ledger.token('globex') })).status).toBe(404);
  });

  it('H11: after the window, erasure shreds the keys: no table holds a readable personal value, the chains still verify, history shows null and erased', async () => {
    ledger.clock.set('2032-12-01T09:00:01Z');
    const erased = await ledger.request('DELETE', subject, { token });
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual(expect.objectContaining({ subjectId: 'p-erase', erased: true, erasedAt: '2032-12-01T09:00:01.000Z', position: expect.any(String) }));
    expect(erased.body.contactKeysErased).toHaveLength(2);
    const events = await ledger.store.readStream('subject-acme-p-erase');
    expect(events[events.length - 1].type).toBe('consent.subject-erased.v1');

    expect(await leaks(ORIGINALS)).toEqual([]);
    const keys = await db.query<{ key: unknown; destroyed_at: unknown }>("SELECT key, destroyed_at FROM subject_data_keys WHERE tenant_id = 'acme' AND subject_id = 'p-erase'");
    expect(keys).toEqual([expect.objectContaining({ key: null, destroyed_at: expect.anything() })]);

    const verify = await ledger.request('GET', '/v1/audit/verify', { token });
    expect(verify.status).toBe(200);
    expect(verify.body).toEqual(expect.objectContaining({ ok: true }));

    const history = await ledger.request('GET', `${subject}/history`, { token });
    expect(history.status).toBe(200);
    const granted = history.body.events.find((e: { type: string }) => e.type === 'AuthorizationGranted');
    expect(granted).toEqual(expect.objectContaining({ erased: true, erasedFields: expect.arrayContaining(['informationDescription', 'signature.signerName']) }));
    expect(granted.data).toEqual(expect.objectContaining({
      informationDescription: null, disclosers: null, recipients: null, purposeStatement: null,
      purposes: ['marketing'], channels: ['email', 'sms'], remuneration: { involved: true, statement: null },
      signature: expect.objectContaining({ signerName: null, signedAt: '2026-11-23T13:00:00Z' }),
    }));
    expect(history.body.events.find((e: { type: string }) => e.type === 'ContactPointLinked').data.value).toBeNull();
    expect(history.body.events.find((e: { type: string }) => e.type === 'SmsReviewRequested')).toEqual(expect.objectContaining({ erased: true, data: expect.objectContaining({ body: null }) }));
    expect(JSON.stringify(history.body).toLowerCase()).not.toContain('7731?');
    const view = await ledger.request('GET', subject, { token });
    expect(view.body).toEqual(expect.objectContaining({ erased: true }));
    expect(view.body.authorizations[0]).toEqual(expect.objectContaining({ erased: true, remuneration: { involved: true, statement: null }, status: 'revoked' }));

    const repeat = await ledger.request('DELETE', subject, { token });
    expect(repeat.status).toBe(200);
    expect(repeat.body.position).toBe(erased.body.position);
  });

  it('a subject with no authorization is erased at once; a contact still linked to another subject keeps its key', async () => {
    await ledger.request('POST', '/v1/subjects/p-sibling/contacts', { token, body: { type: 'email', value: 'free.7731@example.com' } });
    const erased = await ledger.request('DELETE', '/v1/subjects/p-free', { token });
    expect(erased.status).toBe(200);
    expect(erased.body.contactKeysErased).toEqual([]);
    const sibling = await ledger.request('GET', '/v1/subjects/p-sibling/history', { token });
    expect(sibling.body.events.find((e: { type: string }) => e.type === 'ContactPointLinked').data.value).toBe('free.7731@example.com');
  });
});
