/**
 * Where the machine's CPU goes during a load, per request, by process — from /proc, not from a profiler: the server
 * under test, PostgreSQL (every postgres process, plus what its postmaster collected from backends that exited
 * meanwhile), this benchmark process (the load generator runs in it), and the whole machine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { median } from './harness';

/** Microseconds of CPU (user + system) per request, by process. */
export interface CpuPerRequest { server: number; postgres: number; loadGenerator: number; machine: number }

const TICK_MICROS = 1_000_000 / 100; // USER_HZ is 100 on Linux

/** utime, stime, cutime, cstime (clock ticks) and the parent's pid of a process, or undefined once it is gone. */
function stat(pid: number): { self: number; children: number; ppid: number; comm: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { self: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]), ppid: Number(f[1]), comm };
  } catch {
    return undefined;
  }
}

function postgresTicks(): number {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const stats = new Map(all.flatMap((pid) => { const s = stat(pid); return s && s.comm.startsWith('postgres') ? [[pid, s] as const] : []; }));
  let ticks = 0;
  for (const s of stats.values()) {
    ticks += s.self;
    // A postmaster (its parent is not postgres) holds the CPU of the backends it has reaped.
    if (!stats.has(s.ppid)) ticks += s.children;
  }
  return ticks;
}

function machineTicks(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait.
  return fields.reduce((a, b) => a + b, 0) - fields[3] - fields[4];
}

function snapshot(serverPid: number) {
  return { server: stat(serverPid)?.self ?? NaN, postgres: postgresTicks(), loadGenerator: stat(process.pid)!.self, machine: machineTicks() };
}

/** Measures `run` and divides the CPU each process spent by the number of requests it reports. */
export async function cpuPerRequest<T>(serverPid: number, run: () => Promise<T>, requestsOf: (result: T) => number): Promise<{ result: T; cpu: CpuPerRequest }> {
  const before = snapshot(serverPid);
  const result = await run();
  const after = snapshot(serverPid);
  const requests = Math.max(1, requestsOf(result));
  const per = (key: keyof CpuPerRequest) => ((after[key] - before[key]) * TICK_MICROS) / requests;
  return { result, cpu: { server: per('server'), postgres: per('postgres'), loadGenerator: per('loadGenerator'), machine: per('machine') } };
}

/** The median of each field over rounds. */
export function medianCpu(rounds: CpuPerRequest[]): CpuPerRequest {
  return {
    server: median(rounds.map((r) => r.server)), postgres: median(rounds.map((r) => r.postgres)),
    loadGenerator: median(rounds.map((r) => r.loadGenerator)), machine: median(rounds.map((r) => r.machine)),
  };
}
