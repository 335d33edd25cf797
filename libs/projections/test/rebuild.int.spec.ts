import { Client } from 'pg';
import { LedgerStreams } from '../../../apps/ledger-api/src/ledger/ledger-streams';
import { projectionsCommand } from '../../../apps/ledgerctl/src/commands/projections';
import { randomHistory } from '../../../test/support/history';
import { startLedger, type TestLedger } from '../../../test/support/ledger';

/** `ledgerctl projections rebuild` replays into fresh tables and swaps them in: no query ever sees half a table. */
describe('projections rebuild', () => {
  let ledger: TestLedger;

  beforeAll(async () => {
    ledger = await startLedger({ backend: 'postgres' });
  });
  afterAll(() => ledger.close());

  it('swaps in complete tables while the live projector runs and readers keep reading', async () => {
    await randomHistory(ledger.app.get(LedgerStreams), ledger.clock, 'acme', { seed: 5, events: 1500, subjects: 80 });
    const head = await ledger.store.headPosition();
    await ledger.request('GET', `/v1/subjects/s-0?minPosition=${head}`, { token: await ledger.token('acme') });
    const reader = new Client({ connectionString: ledger.databaseUrl });
    await reader.connect();
    const count = async () => Number((await reader.query('SELECT count(*) AS n FROM rm_subject_states')).rows[0].n);
    try {
      const before = await count();
      expect(before).toBeGreaterThan(50);
      let reading = true;
      const seen: number[] = [];
      const readers = (async () => {
        while (reading) seen.push(await count());
      })();
      const saved = { DATABASE_URL: process.env.DATABASE_URL, LEDGER_DATA_DIR: process.env.LEDGER_DATA_DIR };
      Object.assign(process.env, { DATABASE_URL: ledger.databaseUrl, LEDGER_DATA_DIR: ledger.dataDir });
      try {
        await projectionsCommand(['rebuild']);
      } finally {
        Object.assign(process.env, saved);
        for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
        reading = false;
        await readers;
      }
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen)).toEqual(new Set([before]));
      expect(await count()).toBe(before);
      const tables = await reader.query(`SELECT tablename FROM pg_tables WHERE tablename LIKE '%\\_\\_rebuild' OR tablename LIKE '%\\_\\_old'`);
      expect(tables.rows).toEqual([]);
    } finally {
      await reader.end();
    }
  });

  it('refuses an unknown projection by name', async () => {
    await expect(projectionsCommand(['rebuild', 'no-such-projection'])).rejects.toThrow(/no projection named/);
  });
});
