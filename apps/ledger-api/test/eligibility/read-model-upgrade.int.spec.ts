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
 * Version 2 of the eligibility projection added the policy views the checks read. A database projected by version 1
 * (states, links and suppressions, no views) is upgraded by its migration: the old tables go, the checkpoint goes back
 * to the start of the log, and the projector replays every event into the new tables — after which the live path
 * answers as the streams do.
 */
describe('eligibility read model upgrade from version 1', () => {
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

    // The database as version 1 left it: its tables projected to the head, no policy views, its migration recorded.
    await db.query('DROP TABLE rm_subject_views, rm_contact_views');
    await db.query("UPDATE ledger_migrations SET id = 'projections-002-eligibility-v1' WHERE id = 'projections-002-eligibility-v2'");
    // ... and partitions a partitioned projector had taken, which would otherwise resume from the head.
    await db.query("INSERT INTO projection_partitions (name, partition, partitions, position) VALUES ('eligibility', 0, 1, $1)", [head.toString()]);

    const applied = await migrate(db, projectionMigrations(PROJECTIONS));
    expect(applied).toEqual(['projections-002-eligibility-v2']);
    expect(await projector.checkpoint('eligibility')).toBe(0n);
    expect((await db.query<{ n: string }>('SELECT count(*) AS n FROM rm_subject_states'))[0].n).toBe('0');
    expect(await db.query("SELECT 1 FROM projection_partitions WHERE name = 'eligibility'")).toEqual([]);

    await projector.catchUp();
    expect(await projector.checkpoint('eligibility')).toBe(head);
    const views = await db.query<{ n: string }>('SELECT count(*) AS n FROM rm_subject_views');
    expect(Number(views[0].n)).toBe(history.subjects.length);

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
  }, 300_000);
});
