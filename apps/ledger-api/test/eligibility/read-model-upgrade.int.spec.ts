import { CHANNELS, type Decision, PURPOSES } from '@app/domain';
import type { Database } from '@app/platform/database';
import { migrate } from '@app/platform/database';
import { PROJECTIONS, Projector, projectionMigrations } from '@app/projections';
import { decide } from '../../src/eligibility/check/check.handler';
import { EligibilityStates } from '../../src/eligibility/eligibility-states';
import { LedgerStreams } from '../../src/ledger/ledger-streams';
import { DATABASE } from '../../src/ledger/tokens';
import { randomHistory } from '../../../../test/support/history';
import { startLedger, type TestLedger } from '../../../../test/support/ledger';

const summary = (d: Decision) => ({ decision: d.decision, reasons: d.reasons.map((r) => r.code), basis: d.basis?.authorizationId ?? null, evidence: d.evidence });

/**
 * Version 3 of the eligibility projection added the precomputed answers the scrub reads (version 2, the policy views
 * the checks read). A database projected by version 2 (no rm_decisions) is upgraded by its migration: the old tables
 * go, the checkpoint goes back to the start of the log, and the projector replays every event into the new tables —
 * after which the live path, the scrub's precomputed answers included, answers as the streams do.
 */
describe('eligibility read model upgrade from version 2', () => {
  let ledger: TestLedger;

  beforeAll(async () => {
    ledger = await startLedger({ backend: 'postgres', env: { LEDGER_ROLES: 'api', PROJECTOR_BATCH_SIZE: '500' } });
  });
  afterAll(() => ledger.close());

  it('replays the log into the new tables and then answers as the streams do', async () => {
    const history = await randomHistory(ledger.app.get(LedgerStreams), ledger.clock, 'acme', { seed: 7, events: 1_500, subjects: 40 });
    const head = await ledger.store.headPosition();
    const projector = ledger.app.get(Projector);
    const db = ledger.app.get<Database>(DATABASE);
    await projector.ensureCheckpoints();
    await projector.catchUp();

    // The database as version 2 left it: its tables projected to the head, no precomputed answers, its migration recorded.
    await db.query('DROP TABLE rm_decisions, rm_answer_profiles');
    await db.query("UPDATE ledger_migrations SET id = 'projections-002-eligibility-v2' WHERE id = 'projections-002-eligibility-v3'");
    // ... and partitions a partitioned projector had taken, which would otherwise resume from the head.
    await db.query("INSERT INTO projection_partitions (name, partition, partitions, position) VALUES ('eligibility', 0, 1, $1)", [head.toString()]);

    const applied = await migrate(db, projectionMigrations(PROJECTIONS));
    expect(applied).toEqual(['projections-002-eligibility-v3']);
    expect(await projector.checkpoint('eligibility')).toBe(0n);
    expect((await db.query<{ n: string }>('SELECT count(*) AS n FROM rm_subject_states'))[0].n).toBe('0');
    expect(await db.query("SELECT 1 FROM projection_partitions WHERE name = 'eligibility'")).toEqual([]);

    await projector.catchUp();
    expect(await projector.checkpoint('eligibility')).toBe(head);
    const views = await db.query<{ n: string }>('SELECT count(*) AS n FROM rm_subject_views');
    expect(Number(views[0].n)).toBe(history.subjects.length);
    const contacts = await db.query<{ n: string }>('SELECT count(*) AS n FROM rm_contact_views');
    const answers = await db.query<{ n: string }>('SELECT count(*) AS n FROM rm_decisions');
    expect(Number(answers[0].n)).toBe(history.subjects.length + Number(contacts[0].n));

    const states = ledger.app.get(EligibilityStates);
    const now = ledger.clock.now().toISOString();
    for (const subjectId of history.subjects) {
      const live = await states.load('read-model', 'acme', [subjectId], []);
      const audit = await states.load('streams', 'acme', [subjectId], []);
      for (const purpose of PURPOSES) {
        for (const channel of CHANNELS) {
          expect({ subjectId, purpose, channel, ...summary(decide(live, subjectId, undefined, { channel, purpose }, now, now)) })
            .toEqual({ subjectId, purpose, channel, ...summary(decide(audit, subjectId, undefined, { channel, purpose }, now, now)) });
        }
      }
    }

    // The scrub, answered from the precomputed answers, as the streams do.
    const token = await ledger.token('acme');
    for (const [purpose, channel] of [['marketing', 'email'], ['treatment', 'sms']] as const) {
      const response = await ledger.app.inject({
        method: 'POST', url: `/v1/eligibility/scrub?channel=${channel}&purpose=${purpose}`, payload: ['subjectId', ...history.subjects].join('\n'),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      });
      expect(response.statusCode).toBe(200);
      const lines = response.body.trim().split('\n').slice(1);
      for (const [i, subjectId] of history.subjects.entries()) {
        const expected = decide(await states.load('streams', 'acme', [subjectId], []), subjectId, undefined, { channel, purpose }, now, now);
        expect(lines[i]).toBe(`${subjectId},${expected.decision},${expected.reasons.map((r) => r.code).join('|')}`);
      }
    }
  }, 300_000);
});
