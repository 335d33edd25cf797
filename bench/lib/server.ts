/** Child processes the HTTP benchmarks run: the ledger and the baselines, with their peak memory and CPU profiles. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { KeySet, issueToken } from '@app/security';
import { sleep } from './harness';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'libs', 'messaging', 'test', 'support', 'register.js');
const EXIT_ON_USR2 = join(ROOT, 'bench', 'servers', 'exit-on-usr2.js');

let build: Promise<string> | undefined;

/** Servers still running: killed if the runner exits first (an interrupted run leaves none behind). */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * The ledger compiled by tsc (as `npm run build` does) into .cache/bench-build-<pid>, once per run: a full run
 * measures the code as deployed, without a TypeScript compiler loaded in the process (it would inflate RSS).
 * Type errors elsewhere in the tree do not stop the build as long as it emits.
 */
export function compiledLedger(): Promise<string> {
  build ??= (async () => {
    const dir = join(ROOT, '.cache', `bench-build-${process.pid}`);
    const run = promisify(execFile);
    await run('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', dir], { cwd: ROOT }).catch(() => undefined);
    await run('npx', ['tsc-alias', '-p', 'tsconfig.build.json', '--outDir', dir], { cwd: ROOT });
    const main = join(dir, 'apps', 'ledger-api', 'src', 'main.js');
    if (!existsSync(main)) throw new Error(`the ledger build did not produce ${main}`);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return main;
  })();
  return build;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface Server {
  url: string;
  pid: number;
  /** Peak resident set size of the process so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  rssMiB(): number;
  /** Stops the process (SIGUSR2: a clean exit that writes a CPU profile when one was asked for). */
  stop(): Promise<void>;
  /** stderr kept for error reports. */
  stderr(): string;
}

function status(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : NaN;
}

export async function startProcess(script: string, env: Record<string, string>,
  options: { cpuProfDir?: string; healthPath?: string; nodeFlags?: readonly string[] } = {}): Promise<Server> {
  const port = await freePort();
  const args = [...(options.nodeFlags ?? []), ...(script.endsWith('.ts') ? ['-r', REGISTER, '-r', EXIT_ON_USR2] : ['-r', EXIT_ON_USR2])];
  if (options.cpuProfDir) {
    mkdirSync(options.cpuProfDir, { recursive: true });
    args.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  }
  const child: ChildProcess = spawn(process.execPath, [...args, script.startsWith('/') ? script : join(ROOT, script)], {
    cwd: ROOT, env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-20_000); });
  child.stdout!.on('data', () => undefined);
  let exited = false;
  running.add(child);
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; running.delete(child); resolve(); }));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) throw new Error(`${script} exited at start: ${stderr}`);
    try {
      const response = await fetch(`${url}${options.healthPath ?? '/health/live'}`, { method: options.healthPath ? 'GET' : 'GET' });
      if (response.status < 500) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not start: ${stderr}`);
    }
    await sleep(100);
  }
  return {
    url,
    pid: child.pid!,
    peakRssMiB: () => status(child.pid!, 'VmHWM'),
    rssMiB: () => status(child.pid!, 'VmRSS'),
    stderr: () => stderr,
    async stop() {
      if (exited) return;
      child.kill('SIGUSR2');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

export interface Ledger extends Server { token: string }

/**
 * The V8 flags the ledger runs with wherever it is deployed (deploy/Dockerfile's ENTRYPOINT, `npm start`): a young
 * generation of 32 MiB semi-spaces, so that a scrub's batches die young instead of being copied and promoted; and a
 * heap growing factor of 2 between full collections, which V8 would otherwise scale down to ~1.4 under the old-space
 * bound below (a full collection every second or so under checks at 50 connections) (docs/operations.md, "Memory").
 */
const YOUNG_GENERATION_FLAG = '--max-semi-space-size=32';
export const LEDGER_NODE_FLAGS = [YOUNG_GENERATION_FLAG, '--heap-growing-percent=100'] as const;

/** The young generation alone: V8 then sizes the old space and picks its growing factor on its own. */
export const V8_OWN_HEAP_SIZING = { env: { NODE_OPTIONS: '' }, nodeFlags: [YOUNG_GENERATION_FLAG] } as const;

/**
 * The old-space bound the ledger ships with, as NODE_OPTIONS (deploy/Dockerfile's ENV, `npm start`), so that a
 * deployment's own NODE_OPTIONS replaces it (the Helm chart's `roles.<role>.maxOldSpaceMiB`; 448 MiB is the api
 * role's). Unbounded, V8 sizes the heap from the machine's memory and lets garbage pile up (docs/operations.md, "Memory").
 */
export const LEDGER_NODE_OPTIONS = '--max-old-space-size=448';

/** The ledger (api + projector roles) on a database, with a token for the bench tenant. */
export async function startLedger(databaseUrl: string, dataDir: string,
  options: { cpuProfDir?: string; env?: Record<string, string>; compiled?: boolean; nodeFlags?: readonly string[] } = {}): Promise<Ledger> {
  const keys = await KeySet.loadOrCreate(join(dataDir, 'keys'));
  const main = options.compiled ? await compiledLedger() : 'apps/ledger-api/src/main.ts';
  const server = await startProcess(main, {
    DATABASE_URL: databaseUrl, LEDGER_DATA_DIR: dataDir, LEDGER_ROLES: 'api,projector', LOG_LEVEL: 'error',
    RATE_LIMIT_MAX: '1000000000', NODE_OPTIONS: LEDGER_NODE_OPTIONS, ...options.env,
  }, { cpuProfDir: options.cpuProfDir, healthPath: '/health/live', nodeFlags: options.nodeFlags ?? LEDGER_NODE_FLAGS });
  const token = await issueToken(keys, { tenant: 'bench', scopes: ['eligibility:check', 'consent:write', 'consent:read'], ttlSeconds: 4 * 3600, actor: 'bench' });
  return { ...server, token };
}

export function startBaseline(kind: 'bare' | 'naive' | 'constant', databaseUrl: string, options: { cpuProfDir?: string } = {}): Promise<Server> {
  return startProcess('bench/servers/baseline.ts', { DATABASE_URL: databaseUrl, BASELINE: kind }, { cpuProfDir: options.cpuProfDir, healthPath: '/nothing' });
}

/** The ledger's stack with nothing in it (bench/servers/nest-floor.ts): Nest on Fastify, validation, a fixed answer. */
export function startNestFloor(): Promise<Server> {
  return startProcess('bench/servers/nest-floor.ts', {}, { healthPath: '/nothing' });
}

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }

/** A span of the monotonic clock in microseconds: V8 stamps its samples on it, `process.hrtime` reads it. */
export interface Window { fromMicros: number; toMicros: number }

export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * The samples of the newest .cpuprofile of a folder (the node of each), those taken within `window` when one is given:
 * the load alone, not the start-up (module loading) or the idle seconds after.
 */
function loadSamples(dir: string, window?: Window): { byId: Map<number, ProfileNode>; samples: number[] } {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  if (files.length === 0) return { byId: new Map(), samples: [] };
  const profile = JSON.parse(readFileSync(join(dir, files[files.length - 1]), 'utf8')) as {
    nodes: ProfileNode[]; samples: number[]; startTime: number; timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  if (!window) return { byId, samples: profile.samples };
  const samples: number[] = [];
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at >= window.fromMicros && at <= window.toMicros) samples.push(id);
  });
  return { byId, samples };
}

/** The functions that took the most self time in the newest .cpuprofile of a folder, as percentages of its samples. */
export function summariseProfile(dir: string, top = 15, window?: Window): { function: string; where: string; selfPercent: number }[] {
  const { byId, samples } = loadSamples(dir, window);
  if (samples.length === 0) return [];
  const self = new Map<string, number>();
  for (const id of samples) {
    const node = byId.get(id)!;
    const url = node.callFrame.url.replace(`file://${ROOT}/`, '').replace(/^\.cache\/bench-build-\d+\//, '').replace(/^.*node_modules\//, 'node_modules/');
    const name = node.callFrame.functionName || '(anonymous)';
    const key = `${name}\t${url ? `${url}:${node.callFrame.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const total = samples.length;
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([key, n]) => {
    const [fn, where] = key.split('\t');
    return { function: fn, where, selfPercent: Math.round((n / total) * 1000) / 10 };
  });
}

/** Self time grouped by package or area (node_modules/<pkg>, apps/..., libs/..., node internals, idle, gc). */
export function profileByArea(dir: string, window?: Window): { area: string; selfPercent: number }[] {
  const { byId, samples } = loadSamples(dir, window);
  if (samples.length === 0) return [];
  const areas = new Map<string, number>();
  for (const id of samples) {
    const { functionName, url } = byId.get(id)!.callFrame;
    let area: string;
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)') area = functionName;
    else if (url.includes('node_modules/')) {
      const rest = url.split('node_modules/').pop()!;
      area = `node_modules/${rest.startsWith('@') ? rest.split('/').slice(0, 2).join('/') : rest.split('/')[0]}`;
    } else if (url.startsWith('node:') || url === '') area = 'node internals';
    else area = url.replace(`file://${ROOT}/`, '').replace(/^\.cache\/bench-build-\d+\//, '').split('/').slice(0, 3).join('/');
    areas.set(area, (areas.get(area) ?? 0) + 1);
  }
  const total = samples.length;
  return [...areas.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([area, n]) => ({ area, selfPercent: Math.round((n / total) * 1000) / 10 }));
}

/**
 * Runs `drive` against a ledger started under `node --cpu-prof`, sampling the database's waits meanwhile, and
 * summarises both over the time `drive` ran: where the ledger spends its CPU, and what PostgreSQL's backends wait on.
 */
export async function profileLedger(databaseUrl: string, dataDir: string, profDir: string, of: string,
  drive: (ledger: Ledger) => Promise<void>, compiled = true): Promise<NonNullable<import('./harness').BenchResult['profile']>> {
  const ledger = await startLedger(databaseUrl, dataDir, { cpuProfDir: profDir, compiled });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { sampleWaits } = require('./waits') as typeof import('./waits');
  let waits: Awaited<ReturnType<Awaited<ReturnType<typeof sampleWaits>>['stop']>> = [];
  const window: Window = { fromMicros: 0, toMicros: 0 };
  try {
    const sampler = await sampleWaits(databaseUrl);
    try {
      window.fromMicros = monotonicMicros();
      await drive(ledger);
    } finally {
      window.toMicros = monotonicMicros();
      waits = await sampler.stop();
    }
  } finally {
    await ledger.stop();
  }
  return { of, span: 'the samples taken while the load ran', top: summariseProfile(profDir, 15, window), areas: profileByArea(profDir, window), waits };
}
