import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate } from '@app/platform/database';
import { PROJECTIONS, ProjectionRebuilder } from '@app/projections';
import { fairShare, PARTITIONS_MIGRATION, partitionOf } from '@app/projections/partitioned/partitioned-projector';
import { LedgerStreams } from '../../../apps/ledger-api/src/ledger/ledger-streams';
import { DATABASE } from '../../../apps/ledger-api/src/ledger/tokens';
import { randomHistory } from '../../../test/support/history';
import { startLedger, type TestLedger } from '../../../test/support/ledger';

const ROOT = join(__dirname, '../../..');
const TABLES = PROJECTIONS.flatMap((p) => p.tables);
const PARTITIONS = 8;

/** Compiles TypeScript on load with @swc/core (already a dev dependency) and resolves @app/* as tsconfig does. */
const LOADER = `
const fs = require('node:fs'); const path = require('node:path'); const Module = require('node:module');
const { transformSync } = require('@swc/core');
const root = ${JSON.stringify(ROOT)};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const m = /^@app\\/([a-z-]+)(\\/.*)?$/.exec(request);
  return resolve.call(this, m ? path.join(root, 'libs', m[1], 'src', m[2] ?? '') : request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename, jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
require(path.join(root, 'libs/projections/test/scale-out-instance.ts'));
`;

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

async function dump(url: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) out[table] = (await query(url, `SELECT * FROM ${table}`)).map((r) => JSON.stringify(r)).sort();
  return out;
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('partitioned projectors (scale-out of the read side)', () => {
  it('splits streams evenly over the partitions and shares them fairly', () => {
    const counts = new Array(PARTITIONS).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOf(`subject-acme-p-${i}`, PARTITIONS)]++;
    for (const n of counts) expect(Math.abs(n - 1000)).toBeLessThan(150);
    expect(partitionOf('subject-acme-p-1', PARTITIONS)).toBe(partitionOf('subject-acme-p-1', PARTITIONS));
    expect([fairShare(8, 1), fairShare(8, 2), fairShare(8, 3), fairShare(8, 0)]).toEqual([8, 4, 3, 8]);
  });

  describe('two instances on the real PostgreSQL, one killed midway', () => {
    let ledger: TestLedger;
    const children: ChildProcess[] = [];

    beforeAll(async () => {
      ledger = await startLedger({ backend: 'postgres', env: { LEDGER_ROLES: 'api' } });
      await migrate(ledger.app.get(DATABASE), [PARTITIONS_MIGRATION]);
    });
    afterAll(async () => {
      for (const child of children) child.kill('SIGKILL');
      await ledger?.close();
    });

    const startInstance = (id: string) => {
      const child = spawn(process.execPath, ['-e', LOADER], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH, DATABASE_URL: ledger.databaseUrl, LEDGER_DATA_DIR: ledger.dataDir, INSTANCE_ID: id,
          PARTITIONS: String(PARTITIONS), LEASE_MS: '1500', FAULT_DELAY_MS: '20',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      return child;
    };

    it('leaves every read model equal to a single-instance rebuild, no event applied twice', async () => {
      const url = ledger.databaseUrl!;
      const history = await randomHistory(ledger.app.get(LedgerStreams), ledger.clock, 'acme', { seed: 23, events: 1200, subjects: 80 });
      // Every event written, as soon as global readers see them all (an open transaction elsewhere on the server holds
      // them back a moment).
      const [{ last }] = await query<{ last: string }>(url, 'SELECT max(position)::text AS last FROM ledger_events');
      await until('the history to be visible to readers', async () => (await ledger.store.headPosition()) >= BigInt(last));
      const head = BigInt(last);

      const a = startInstance('instance-a');
      startInstance('instance-b');
      const owners = async () => (await query<{ owner: string | null }>(url, "SELECT owner FROM projection_partitions WHERE name = 'eligibility'")).map((r) => r.owner);
      // Each holds its fair share: half the partitions of every projection.
      await until('both instances to hold their share', async () => {
        const held = await owners();
        return held.filter((o) => o === 'instance-a').length === PARTITIONS / 2 && held.filter((o) => o === 'instance-b').length === PARTITIONS / 2;
      });
      await until('instance-a to have applied some of its partitions', async () =>
        (await query<{ n: number }>(url, "SELECT count(*)::int AS n FROM projection_partitions WHERE owner = 'instance-a' AND position > 0"))[0].n > 0);
      a.kill('SIGKILL');
      await new Promise((r) => a.once('exit', r));
      const [{ behind }] = await query<{ behind: number }>(url, 'SELECT count(*)::int AS behind FROM projection_partitions WHERE position < $1', [head.toString()]);
      expect(behind).toBeGreaterThan(0);

      // instance-b takes the dead instance's partitions over once their leases expire, and catches every one up.
      await until('every partition to catch up', async () =>
        (await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM projection_partitions WHERE position < $1', [head.toString()]))[0].n === 0);
      expect(new Set(await owners())).toEqual(new Set(['instance-b']));
      for (const p of PROJECTIONS) {
        await until(`${p.name}'s checkpoint to reach the head`, async () =>
          BigInt((await query<{ position: string }>(url, 'SELECT position FROM projection_checkpoints WHERE name = $1', [p.name]))[0].position) >= head);
      }
      const scaledOut = await dump(url);

      const rebuilder = new ProjectionRebuilder(ledger.app.get(DATABASE), ledger.store);
      for (const p of PROJECTIONS) await rebuilder.rebuild(p);
      const rebuilt = await dump(url);

      expect(history.events).toBeGreaterThanOrEqual(1200);
      expect(scaledOut.rm_subject_states.length).toBeGreaterThan(0);
      for (const table of TABLES) expect({ table, rows: scaledOut[table] }).toEqual({ table, rows: rebuilt[table] });
    });
  });
});
