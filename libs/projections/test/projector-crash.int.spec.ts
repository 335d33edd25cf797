import { type ChildProcess, spawn } from 'node:child_process';
import { Client } from 'pg';
import { PROJECTIONS } from '@app/projections';
import { LedgerStreams } from '../../../apps/ledger-api/src/ledger/ledger-streams';
import { buildApps } from '../../../test/support/build';
import { randomHistory } from '../../../test/support/history';
import { startLedger, type TestLedger } from '../../../test/support/ledger';

const TABLES = PROJECTIONS.flatMap((p) => p.tables);

async function dump(url: string): Promise<Record<string, unknown[]>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const out: Record<string, unknown[]> = {};
    for (const table of TABLES) {
      const { rows } = await client.query(`SELECT * FROM ${table}`);
      out[table] = rows.map((r) => JSON.stringify(r)).sort();
    }
    return out;
  } finally {
    await client.end();
  }
}

async function checkpoint(url: string, name: string): Promise<bigint> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT position FROM projection_checkpoints WHERE name = $1', [name]);
    return rows[0] ? BigInt(rows[0].position) : 0n;
  } finally {
    await client.end();
  }
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Exactly-once under a crash: the projector is killed (SIGKILL) inside a batch and restarted. */
describe('projector crash and restart', () => {
  let ledger: TestLedger;
  let build: Awaited<ReturnType<typeof buildApps>>;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    [ledger, build] = await Promise.all([startLedger({ backend: 'postgres', env: { LEDGER_ROLES: 'api' } }), buildApps()]);
  });
  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await ledger.close();
    await build.remove();
  });

  const startWorker = () => {
    const worker = spawn(process.execPath, [build.main('ledger-worker')], {
      env: {
        PATH: process.env.PATH, DATABASE_URL: ledger.databaseUrl, LEDGER_DATA_DIR: ledger.dataDir, LEDGER_ROLES: 'projector',
        PROJECTOR_BATCH_SIZE: '40', PROJECTOR_FAULT_DELAY_MS: '150', LOG_LEVEL: 'error', WORKER_METRICS_PORT: '0',
      },
      stdio: 'ignore',
    });
    workers.push(worker);
    return worker;
  };

  it('leaves every read model equal to a fresh rebuild, no event applied twice', async () => {
    const history = await randomHistory(ledger.app.get(LedgerStreams), ledger.clock, 'acme', { seed: 11, events: 1500, subjects: 60 });
    const head = await ledger.store.headPosition();
    const url = ledger.databaseUrl!;

    const first = startWorker();
    await until('the projector to be part-way', async () => (await checkpoint(url, 'eligibility')) > 0n);
    // The fault delay keeps each batch's transaction open for 150 ms: a kill now lands inside one.
    await new Promise((r) => setTimeout(r, 120));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atCrash = await checkpoint(url, 'eligibility');
    expect(atCrash).toBeLessThan(head);

    startWorker();
    for (const p of PROJECTIONS) await until(`${p.name} to catch up`, async () => (await checkpoint(url, p.name)) >= head, 120_000);
    const afterRestart = await dump(url);

    const { ProjectionRebuilder } = await import('@app/projections');
    const { DATABASE } = await import('../../../apps/ledger-api/src/ledger/tokens');
    const rebuilder = new ProjectionRebuilder(ledger.app.get(DATABASE), ledger.store);
    for (const p of PROJECTIONS) await rebuilder.rebuild(p);
    const rebuilt = await dump(url);

    expect(history.events).toBeGreaterThanOrEqual(1500);
    expect(afterRestart.rm_subject_states.length).toBeGreaterThan(0);
    for (const table of TABLES) expect({ table, rows: afterRestart[table] }).toEqual({ table, rows: rebuilt[table] });
  });
});
