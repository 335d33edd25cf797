/**
 * What every benchmark shares: a fresh database per benchmark on the local PostgreSQL, A/B alternation, statistics,
 * and the result format that bench/report.ts turns into docs/performance.md and the charts.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { createTestPgDatabaseUrl, adminDatabaseUrl, type TestPgDatabaseUrl } from '../../test/support/database';

export interface BenchContext {
  /** Tiny sizes, a couple of rounds, no claims about time. */
  smoke: boolean;
  /** A/B alternations (>= 5 in a full run). */
  rounds: number;
  log(message: string): void;
  /** A fresh, empty database on the local server; dropped when the benchmark ends. */
  database(): Promise<TestPgDatabaseUrl>;
  /** Folder for temporary files of this run (lists, profiles). */
  tmpDir: string;
  /** A full-run count scaled by --scale (default 1): for trying the full paths at a fraction of the sizes. */
  size(count: number): number;
}

export interface Series { name: string; samples: number[]; median: number; min: number; max: number }

export interface Target {
  /** ours / baseline (or baseline / ours for lower-is-better) must be at least this. */
  ratio?: number;
  /** A second, stretch ratio. */
  stretch?: number;
  /** An absolute bound on ours' median (or on `value` when given). */
  atLeast?: number;
  atMost?: number;
  /** What the absolute target applies to, when not the median (e.g. 'p99 of all samples'). */
  of?: string;
}

export interface Figure {
  id: string;
  label: string;
  unit: string;
  higherIsBetter: boolean;
  ours: Series;
  baseline?: Series;
  /** ours vs baseline as "times better" (>1 is better for us), from the medians. */
  ratio?: number;
  target?: Target;
  /** The value the absolute target is checked against (defaults to ours.median). */
  value?: number;
  met?: boolean;
  note?: string;
}

export interface LatencyProfile { name: string; p50: number; p90: number; p99: number; max: number }

export interface BenchResult {
  name: string;
  title: string;
  method: string;
  sizes: Record<string, number | string>;
  figures: Figure[];
  latencies?: { label: string; unit: string; profiles: LatencyProfile[] }[];
  checks?: { label: string; passed: boolean; detail: string }[];
  /** A CPU profile summary (node --cpu-prof) of the process under test, when a target was missed. */
  profile?: {
    of: string;
    /** Which samples the summary counts; the whole life of the process, start-up included, when absent. */
    span?: string;
    top: { function: string; where: string; selfPercent: number }[];
    areas: { area: string; selfPercent: number }[];
    /** What the database's active backends were doing meanwhile (pg_stat_activity samples). */
    waits?: { what: string; percent: number }[];
  };
  notes: string[];
  /** Benchmark-specific measurements the report's explanations use. */
  extra?: Record<string, unknown>;
  durationSeconds?: number;
  smoke?: boolean;
  recordedAt?: string;
}

export interface Benchmark {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile of unsorted values. */
export function percentile(values: number[] | Float64Array, p: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function series(name: string, samples: number[]): Series {
  return { name, samples, median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

export function figure(options: {
  id: string; label: string; unit: string; higherIsBetter: boolean; ours: Series; baseline?: Series; target?: Target; value?: number; note?: string;
}): Figure {
  const { ours, baseline, target } = options;
  const ratio = baseline ? (options.higherIsBetter ? ours.median / baseline.median : baseline.median / ours.median) : undefined;
  const value = options.value ?? ours.median;
  let met: boolean | undefined;
  if (target) {
    met = true;
    if (target.ratio !== undefined && ratio !== undefined) met &&= ratio >= target.ratio;
    if (target.atLeast !== undefined) met &&= value >= target.atLeast;
    if (target.atMost !== undefined) met &&= value <= target.atMost;
  }
  return { ...options, ratio, met, value: options.value };
}

/**
 * Runs A and B alternately `rounds` times (A B A B ...), each `prepare`d first (untimed), and collects what each
 * run returns (a throughput, a duration, ...).
 */
export async function alternate<T>(ctx: BenchContext, label: string, rounds: number,
  contenders: { name: string; run: (round: number) => Promise<T> }[]): Promise<Map<string, T[]>> {
  const results = new Map<string, T[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const contender of contenders) {
      const value = await contender.run(round);
      results.get(contender.name)!.push(value);
      ctx.log(`  ${label} round ${round + 1}/${rounds} ${contender.name}: ${fmt(value)}`);
    }
  }
  return results;
}

function fmt(value: unknown): string {
  if (typeof value === 'number') return value >= 100 ? Math.round(value).toString() : value.toFixed(2);
  if (value && typeof value === 'object') {
    return Object.entries(value).map(([k, v]) => `${k}=${typeof v === 'number' ? (v >= 100 ? Math.round(v) : v.toFixed(2)) : String(v)}`).join(' ');
  }
  return String(value);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds since an origin, with sub-millisecond resolution. */
export function now(): number {
  return performance.now();
}

export async function createDatabase(): Promise<TestPgDatabaseUrl> {
  return createTestPgDatabaseUrl();
}

export interface MachineInfo {
  cpus: number; cpuModel: string; memoryGiB: number; node: string; postgres: string; postgresSettings: Record<string, string>;
  os: string; date: string; load: string;
}

export async function machineInfo(): Promise<MachineInfo> {
  const client = new Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    const [{ version }] = (await client.query('SELECT version()')).rows;
    const settings: Record<string, string> = {};
    for (const name of ['synchronous_commit', 'fsync', 'shared_buffers', 'max_connections', 'wal_level', 'work_mem']) {
      settings[name] = (await client.query(`SHOW ${name}`)).rows[0][name];
    }
    let cpuModel = cpus()[0]?.model ?? 'unknown';
    try {
      const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
      if (line) cpuModel = line.split(':')[1].trim();
    } catch { /* not Linux */ }
    let nproc = cpus().length;
    try {
      nproc = Number(execFileSync('nproc').toString().trim());
    } catch { /* keep os.cpus() */ }
    let os: string = process.platform;
    try {
      const pretty = readFileSync('/etc/os-release', 'utf8').split('\n').find((l) => l.startsWith('PRETTY_NAME='));
      if (pretty) os = pretty.split('=')[1].replace(/"/g, '');
    } catch { /* not Linux */ }
    return {
      cpus: nproc, cpuModel, memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10, node: process.version,
      postgres: String(version).split(' on ')[0], postgresSettings: settings, os, date: new Date().toISOString(),
      load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    };
  } finally {
    await client.end();
  }
}
