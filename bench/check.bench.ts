/**
 * bench check (issue 4): single eligibility checks against a read model of 1,000,000 subjects at 50 concurrent
 * connections — checks/s and p50/p99 — beside the naive design measured in the same run (one SQL query per check
 * assembled in the controller over a plain authorizations table, a hand-written rule), alternating A B A B (with a constant-answer Fastify ceiling and the bare Nest floor in the same rotation).
 * Then revocation-to-denial on the same ledger: the time from a revoke command's response to the first DENY of a
 * check without minPosition, and a check with the revoke's position as minPosition, which must always DENY.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, type Benchmark, type BenchContext, type BenchResult, figure, now, percentile, series } from './lib/harness';
import { cpuPerRequest, type CpuPerRequest, medianCpu } from './lib/cpu';
import { assertHealthy, load, type LoadResult } from './lib/load';
import { readCost } from './lib/read-cost';
import { prepareSchema, seedSubjects } from './lib/seed';
import { type Ledger, profileLedger, startBaseline, startLedger, startNestFloor } from './lib/server';

const CONNECTIONS = 50;

async function post(ledger: Ledger, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${ledger.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ledger.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

function grantBody(authorizationId: string): Record<string, unknown> {
  const at = Date.now();
  return {
    authorizationId, formId: 'hipaa-marketing', formVersion: '2026-01', purposes: ['marketing'], channels: ['email', 'sms'],
    informationDescription: 'Name, email address and the services I have received', disclosers: ['Acme Health'],
    recipients: ['Acme Health Marketing'], purposeStatement: 'To send me information about new wellness programs',
    expiresAt: new Date(at + 365 * 86_400_000).toISOString(), expirationEvent: null, remuneration: { involved: false },
    statements: { rightToRevoke: true, noConditioning: true, redisclosure: true },
    signature: { signerName: 'Jane Doe', signedAt: new Date(at - 60_000).toISOString(), signerRole: 'self', representativeAuthority: null, method: 'typed', image: null },
  };
}

/** Grant, wait until the read model answers ALLOW, revoke, then time the first DENY without minPosition. */
async function revocationToDenial(ledger: Ledger, samples: number, log: (m: string) => void) {
  const latencies: number[] = [];
  let withMinPositionAllowed = 0;
  let polls = 0;
  for (let i = 0; i < samples; i++) {
    const subject = `rv-${i}`;
    const question = { subjectId: subject, channel: 'sms', purpose: 'marketing' };
    const granted = await post(ledger, `/v1/subjects/${subject}/authorizations`, grantBody('a1'));
    if (granted.status !== 201) throw new Error(`grant answered ${granted.status}: ${JSON.stringify(granted.body)}`);
    const before = await post(ledger, '/v1/eligibility/check', { ...question, minPosition: granted.body.position });
    if (before.body.decision !== 'ALLOW') throw new Error(`after the grant the check answered ${JSON.stringify(before.body)}`);
    const revoked = await post(ledger, `/v1/subjects/${subject}/authorizations/a1/revoke`, { receivedVia: 'portal' });
    const t0 = now();
    if (revoked.status !== 200) throw new Error(`revoke answered ${revoked.status}: ${JSON.stringify(revoked.body)}`);
    for (;;) {
      const answer = await post(ledger, '/v1/eligibility/check', question);
      polls++;
      if (answer.body.decision === 'DENY') break;
      if (now() - t0 > 30_000) throw new Error('no DENY 30 s after the revocation');
    }
    latencies.push(now() - t0);
    const pinned = await post(ledger, '/v1/eligibility/check', { ...question, minPosition: revoked.body.position });
    if (pinned.body.decision !== 'DENY') withMinPositionAllowed++;
  }
  log(`  revocation-to-denial: ${samples} samples, p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ${polls} polls`);
  return { latencies, withMinPositionAllowed };
}

export const checkBenchmark: Benchmark = {
  name: 'check',
  title: 'Single eligibility checks',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const sizes = ctx.smoke
      ? { subjects: 2_000, seconds: 1, warmup: 1, revocations: 5 }
      : { subjects: ctx.size(1_000_000), seconds: 10, warmup: 3, revocations: ctx.size(200) };
    const database = await ctx.database();
    await prepareSchema(database.url);
    ctx.log(`seeding ${sizes.subjects.toLocaleString('en-US')} subjects (read model and the naive table)`);
    const seedStarted = now();
    await seedSubjects(database.url, sizes.subjects, { naive: true, log: ctx.smoke ? undefined : ctx.log });
    ctx.log(`  seeded in ${((now() - seedStarted) / 1000).toFixed(1)} s`);
    const dataDir = mkdtempSync(join(ctx.tmpDir, 'check-ledger-'));
    let ledger = await startLedger(database.url, dataDir, { compiled: !ctx.smoke });
    const naive = await startBaseline('naive', database.url);
    // What this machine and this load generator can do at all: a bare Fastify route answering a fixed decision.
    const ceiling = await startBaseline('constant', database.url);
    // ... and the ledger's stack with nothing in it: Nest on Fastify, the validation pipe, the same fixed answer.
    const floor = await startNestFloor();
    try {
      const body = () => ({ subjectId: `s${1 + Math.floor(Math.random() * sizes.subjects)}`, channel: 'email', purpose: 'marketing' });
      const runOurs = (seconds: number) => load({ url: ledger.url, path: '/v1/eligibility/check', connections: CONNECTIONS, seconds,
        headers: { authorization: `Bearer ${ledger.token}` }, body });
      const runNaive = (seconds: number) => load({ url: naive.url, path: '/check', connections: CONNECTIONS, seconds, body });
      const runCeiling = (seconds: number) => load({ url: ceiling.url, path: '/check', connections: CONNECTIONS, seconds, body });
      const runFloor = (seconds: number) => load({ url: floor.url, path: '/check', connections: CONNECTIONS, seconds, body });
      const cpu = new Map<string, CpuPerRequest[]>([['ledger', []], ['naive', []], ['ceiling', []], ['floor', []]]);
      const measured = async (name: string, pid: number, run: () => Promise<LoadResult>) => {
        const { result, cpu: used } = await cpuPerRequest(pid, run, (r) => r.requests);
        assertHealthy(name, result);
        cpu.get(name)!.push(used);
        return result;
      };
      ctx.log('warm-up');
      assertHealthy('ledger warm-up', await runOurs(sizes.warmup));
      assertHealthy('naive warm-up', await runNaive(sizes.warmup));
      assertHealthy('ceiling warm-up', await runCeiling(sizes.warmup));
      assertHealthy('nest floor warm-up', await runFloor(sizes.warmup));
      const runs = await alternate<LoadResult>(ctx, 'check', ctx.rounds, [
        { name: 'ledger', run: () => measured('ledger', ledger.pid, () => runOurs(sizes.seconds)) },
        { name: 'naive', run: () => measured('naive', naive.pid, () => runNaive(sizes.seconds)) },
        { name: 'ceiling', run: () => measured('ceiling', ceiling.pid, () => runCeiling(sizes.seconds)) },
        { name: 'floor', run: () => measured('floor', floor.pid, () => runFloor(sizes.seconds)) },
      ]);
      const cpuOf = (name: string) => medianCpu(cpu.get(name)!);
      ctx.log(`  CPU per request (µs: server, postgres, load generator, machine): ${['ledger', 'naive', 'ceiling', 'floor'].map((n) => {
        const c = cpuOf(n);
        return `${n} ${[c.server, c.postgres, c.loadGenerator, c.machine].map((v) => v.toFixed(0)).join('/')}`;
      }).join('; ')}`);

      ctx.log(`revocation-to-denial: ${sizes.revocations} samples`);
      const revocation = await revocationToDenial(ledger, sizes.revocations, ctx.log);

      const get = (name: string, key: keyof LoadResult) => runs.get(name)!.map((r) => r[key]);
      const throughput = figure({ id: 'check-throughput', label: `Checks/s, 50 connections, ${sizes.subjects.toLocaleString('en-US')} subjects`, unit: 'checks/s', higherIsBetter: true,
        ours: series('ledger', get('ledger', 'perSecond')), baseline: series('naive (one query, hand-written rule)', get('naive', 'perSecond')),
        target: { ratio: 3, atLeast: 5000 } });
      const p99 = figure({ id: 'check-p99', label: 'Check latency p99, 50 connections', unit: 'ms', higherIsBetter: false,
        ours: series('ledger', get('ledger', 'p99')), baseline: series('naive (one query, hand-written rule)', get('naive', 'p99')), target: { atMost: 20 } });
      const p50 = figure({ id: 'check-p50', label: 'Check latency p50, 50 connections', unit: 'ms', higherIsBetter: false,
        ours: series('ledger', get('ledger', 'p50')), baseline: series('naive (one query, hand-written rule)', get('naive', 'p50')) });
      const revocationP99 = percentile(revocation.latencies, 99);
      const denial = figure({ id: 'revocation-to-denial', label: 'Revocation to first DENY without minPosition', unit: 'ms', higherIsBetter: false,
        ours: series('p99 of samples', [revocationP99]), value: revocationP99, target: { atMost: 100, of: 'p99 of all samples' } });

      const cost = await readCost(database.url, sizes.subjects);
      ctx.log(`  read-model lookup: ${cost.buffersPerSubject.toFixed(1)} buffers per subject, ${cost.readsPerSubject.toFixed(2)} read in, ${cost.microsPerRead.toFixed(0)} µs per read`);
      let profile: BenchResult['profile'];
      if (!ctx.smoke && (!throughput.met || !p99.met)) {
        ctx.log('targets missed: profiling the ledger (node --cpu-prof, pg_stat_activity samples) under the same load');
        await ledger.stop();
        profile = await profileLedger(database.url, dataDir, join(ctx.tmpDir, 'check-profile'), `ledger process, POST /v1/eligibility/check at 50 connections, ${sizes.subjects.toLocaleString('en-US')} subjects`,
          async (profiled) => {
            ledger = profiled;
            await runOurs(sizes.warmup);
            await runOurs(Math.max(1, Math.round(sizes.seconds / 2)));
          });
      }
      const pct = (name: string, key: 'p50' | 'p90' | 'p99') => series(name, get(name, key) as number[]).median;
      return {
        name: 'check',
        title: 'Single checks (bench/check) and revocation-to-denial',
        method: `${sizes.subjects.toLocaleString('en-US')} subjects seeded in the eligibility read model (states folded by the deciders, copied by SQL) and, ` +
          `for the baseline, in a plain naive_authorizations table. autocannon, ${CONNECTIONS} connections, ${sizes.seconds} s per round, a random subject per request ` +
          `(marketing by email). Ledger: apps/ledger-api in its own process (roles api,projector), the full route. Naive: bare Fastify in its own process, ` +
          `one SELECT of the subject's authorization rows and a hand-written rule (no preferences, contacts or tenant settings). ` +
          `Ceiling: bare Fastify answering a fixed decision to the same requests (no lookup); floor: the ledger's stack with nothing in it ` +
          `(Nest on Fastify, its validation pipe on its request class, the same fixed answer); both alternated with the others. CPU per request by process ` +
          `from /proc over each round (the load generator, autocannon, runs in the benchmark process). ` +
          `Revocation-to-denial: ${sizes.revocations} subjects granted over HTTP, each revoked; the clock starts when the revoke response arrives and stops at ` +
          `the first DENY of a check without minPosition, polled back to back; then a check with minPosition = the revoke's position.`,
        sizes: { subjects: sizes.subjects, connections: CONNECTIONS, secondsPerRound: sizes.seconds, rounds: ctx.rounds, revocations: sizes.revocations },
        figures: [throughput, p50, p99, denial],
        latencies: [
          { label: 'Check latency percentiles, 50 connections (median of rounds)', unit: 'ms', profiles: [
            { name: 'ledger', p50: pct('ledger', 'p50'), p90: pct('ledger', 'p90'), p99: pct('ledger', 'p99'), max: Math.max(...(get('ledger', 'max') as number[])) },
            { name: 'naive', p50: pct('naive', 'p50'), p90: pct('naive', 'p90'), p99: pct('naive', 'p99'), max: Math.max(...(get('naive', 'max') as number[])) },
          ] },
          { label: 'Revocation to first DENY without minPosition', unit: 'ms', profiles: [{
            name: 'revocation', p50: percentile(revocation.latencies, 50), p90: percentile(revocation.latencies, 90), p99: revocationP99, max: Math.max(...revocation.latencies),
          }] },
        ],
        checks: [{
          label: 'with minPosition = the revoke position, every check answers DENY', passed: revocation.withMinPositionAllowed === 0,
          detail: `${revocation.withMinPositionAllowed} of ${sizes.revocations} answered ALLOW`,
        }],
        profile,
        extra: {
          readCost: cost,
          cpuPerCheck: { ledger: cpuOf('ledger'), naive: cpuOf('naive'), ceiling: cpuOf('ceiling'), floor: cpuOf('floor') },
          ceilingPerSecond: series('ceiling', get('ceiling', 'perSecond')).median,
          floorPerSecond: series('floor', get('floor', 'perSecond')).median,
        },
        notes: [],
      };
    } finally {
      await ledger.stop();
      await naive.stop();
      await ceiling.stop();
      await floor.stop();
    }
  },
};
