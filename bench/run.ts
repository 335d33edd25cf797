/**
 * npm run bench [-- NAME ...] [-- --smoke] [-- --rounds N] [-- --scale 0.1]
 *
 * Runs the benchmarks under bench/ (all, or those named), each on fresh databases of the local PostgreSQL
 * (DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres) that are dropped afterwards, then writes
 * bench/results/<name>.json and regenerates docs/performance.md and docs/images/perf-*.svg (bench/report.ts).
 * --smoke runs everything at tiny sizes in seconds, asserts nothing about time, and writes its results and the page
 * to a temporary folder, never over the committed ones; so does --scale F (the full-run sizes times F).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestPgDatabaseUrl } from '../test/support/database';
import { type Benchmark, type BenchContext, createDatabase, machineInfo } from './lib/harness';
import { generateReport } from './report';

/** Every benchmark, in the order a full run takes them; each module is loaded only when it runs. */
export const BENCHMARKS: { name: string; load: () => Benchmark }[] = [
  { name: 'event-store', load: () => require('./event-store.bench').eventStoreBenchmark },
  { name: 'correctness', load: () => require('./correctness.bench').correctnessBenchmark },
  { name: 'http', load: () => require('./http.bench').httpBenchmark },
  { name: 'check', load: () => require('./check.bench').checkBenchmark },
  { name: 'scrub', load: () => require('./scrub.bench').scrubBenchmark },
];

const ROOT = join(__dirname, '..');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const smoke = args.includes('--smoke');
  const roundsAt = args.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : smoke ? 2 : 5;
  const scaleAt = args.indexOf('--scale');
  const scale = scaleAt >= 0 ? Number(args[scaleAt + 1]) : 1;
  const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--rounds' && args[i - 1] !== '--scale');
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')} (known: ${BENCHMARKS.map((b) => b.name).join(', ')})\n`);
    process.exit(2);
  }
  const selected = names.length > 0 ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;
  const tmpDir = mkdtempSync(join(tmpdir(), 'ledger-bench-'));
  // A smoke run, or a scaled one, never overwrites the committed results and page.
  const scratch = smoke || scale !== 1;
  const resultsDir = scratch ? join(tmpDir, 'results') : join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const started = Date.now();
  const log = (message: string) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
  const machine = await machineInfo();
  log(`${smoke ? 'smoke run' : 'full run'}: ${selected.map((b) => b.name).join(', ')}; ${rounds} rounds; ${machine.cpus} CPUs, ${machine.postgres}, Node ${machine.node}`);
  let failed = false;
  const databases: TestPgDatabaseUrl[] = [];
  // Interrupted: drop this run's databases before leaving (lib/server kills the servers on exit).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: dropping ${databases.length} database(s)`);
      void Promise.allSettled(databases.map((d) => d.drop())).then(() => process.exit(130));
    });
  }
  for (const entry of selected) {
    const benchmark = entry.load();
    databases.length = 0;
    const ctx: BenchContext = {
      smoke,
      rounds,
      tmpDir,
      size: (count) => Math.max(1, Math.round(count * scale)),
      log: (m) => log(`${benchmark.name}: ${m}`),
      database: async () => {
        const created = await createDatabase();
        databases.push(created);
        return created;
      },
    };
    const t0 = Date.now();
    try {
      const result = await benchmark.run(ctx);
      result.durationSeconds = Math.round((Date.now() - t0) / 100) / 10;
      result.smoke = smoke;
      result.recordedAt = new Date().toISOString();
      writeFileSync(join(resultsDir, `${benchmark.name}.json`), `${JSON.stringify({ machine, ...result }, null, 2)}\n`);
      for (const f of result.figures) {
        const range = (s: { median: number; min: number; max: number }) => `${round(s.median)} (${round(s.min)}–${round(s.max)})`;
        log(`${benchmark.name}: ${f.label}: ours ${range(f.ours)} ${f.unit}${f.baseline ? `; ${f.baseline.name} ${range(f.baseline)}; ratio ${f.ratio!.toFixed(2)}x` : ''}${f.met === undefined ? '' : f.met ? ' [target met]' : ' [target missed]'}`);
      }
      for (const c of result.checks ?? []) log(`${benchmark.name}: check ${c.passed ? 'PASSED' : 'FAILED'}: ${c.label} — ${c.detail}`);
      if ((result.checks ?? []).some((c) => !c.passed)) failed = true;
      log(`${benchmark.name}: done in ${result.durationSeconds} s`);
    } catch (error) {
      failed = true;
      log(`${benchmark.name}: FAILED: ${error instanceof Error ? error.stack : String(error)}`);
    } finally {
      for (const d of databases) await d.drop().catch(() => undefined);
    }
  }
  const docsDir = scratch ? join(tmpDir, 'docs') : join(ROOT, 'docs');
  await generateReport({ resultsDir, docsDir, machine });
  log(`report: ${join(docsDir, 'performance.md')}${scratch ? ' (temporary: BENCH_KEEP_TMP=1 keeps it)' : ''}`);
  if (!process.env.BENCH_KEEP_TMP) rmSync(tmpDir, { recursive: true, force: true });
  log(`${failed ? 'FAILED' : 'finished'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(failed ? 1 : 0);
}

function round(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
