/**
 * bench http: the cost of the ledger's HTTP stack on the eligibility check. POST /v1/eligibility/check on the ledger
 * (Nest on Fastify: auth guard with JWT verification, rate limit, validation pipe, CQRS query bus, checkpoint read,
 * access log, problem filter) against a bare Fastify route doing the same read-model lookup and the same evaluate,
 * alternating A B A B at 50 connections. Target: the ledger at least 0.85x the bare route's checks/s.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, type Benchmark, type BenchContext, type BenchResult, figure, series } from './lib/harness';
import { assertHealthy, load, type LoadResult } from './lib/load';
import { prepareSchema, seedSubjects } from './lib/seed';
import { profileLedger, type Server, startBaseline, startLedger } from './lib/server';

const CONNECTIONS = 50;

export const httpBenchmark: Benchmark = {
  name: 'http',
  title: 'HTTP stack overhead',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const sizes = ctx.smoke ? { subjects: 1_000, seconds: 1, warmup: 1 } : { subjects: ctx.size(100_000), seconds: 8, warmup: 3 };
    const database = await ctx.database();
    await prepareSchema(database.url);
    ctx.log(`seeding ${sizes.subjects} subjects`);
    await seedSubjects(database.url, sizes.subjects);
    const dataDir = mkdtempSync(join(ctx.tmpDir, 'http-ledger-'));
    let ledger = await startLedger(database.url, dataDir, { compiled: !ctx.smoke });
    const bare = await startBaseline('bare', database.url);
    const servers: Server[] = [bare];
    try {
      const body = () => ({ subjectId: `s${1 + Math.floor(Math.random() * sizes.subjects)}`, channel: 'email', purpose: 'marketing' });
      const runOurs = (seconds: number) => load({ url: ledger.url, path: '/v1/eligibility/check', connections: CONNECTIONS, seconds,
        headers: { authorization: `Bearer ${ledger.token}` }, body });
      const runBare = (seconds: number) => load({ url: bare.url, path: '/check', connections: CONNECTIONS, seconds, body });
      ctx.log('warm-up');
      assertHealthy('ledger warm-up', await runOurs(sizes.warmup));
      assertHealthy('bare warm-up', await runBare(sizes.warmup));
      const runs = await alternate<LoadResult>(ctx, 'check', ctx.rounds, [
        { name: 'ledger', run: async () => { const r = await runOurs(sizes.seconds); assertHealthy('ledger', r); return r; } },
        { name: 'bare', run: async () => { const r = await runBare(sizes.seconds); assertHealthy('bare', r); return r; } },
      ]);
      const ours = series('ledger', runs.get('ledger')!.map((r) => r.perSecond));
      const base = series('bare Fastify route', runs.get('bare')!.map((r) => r.perSecond));
      const throughput = figure({ id: 'http-overhead', label: 'Eligibility check over HTTP, 50 connections', unit: 'checks/s', higherIsBetter: true,
        ours, baseline: base, target: { ratio: 0.85 } });
      const notes: string[] = [];
      let profile: BenchResult['profile'];
      if (!ctx.smoke || process.env.BENCH_PROFILE_IN_SMOKE) {
        ctx.log('profiling the ledger (node --cpu-prof, pg_stat_activity samples) under the same load');
        await ledger.stop();
        profile = await profileLedger(database.url, dataDir, join(ctx.tmpDir, 'http-profile'), 'ledger process, POST /v1/eligibility/check at 50 connections',
          async (profiled) => {
            ledger = profiled;
            await runOurs(sizes.warmup);
            await runOurs(Math.max(1, Math.round(sizes.seconds / 2)));
          });
      }
      const last = (name: string) => runs.get(name)!;
      const pct = (name: string, key: 'p50' | 'p90' | 'p99') => series(name, last(name).map((r) => r[key])).median;
      return {
        name: 'http',
        title: 'HTTP stack overhead: the eligibility check route vs a bare Fastify route',
        method: `${sizes.subjects.toLocaleString('en-US')} subjects seeded in the eligibility read model. autocannon, ${CONNECTIONS} connections, ${sizes.seconds} s per round, ` +
          `a random subject per request (marketing by email). Ledger: apps/ledger-api in its own process (roles api,projector), bearer JWT, the full route. ` +
          `Bare: Fastify in its own process, POST /check = EligibilityReadModel.snapshot + decide (the same lookup and evaluate), the lookup planned once per connection as on the ledger (generic plans; a pool of 10, the ledger's read pool has 4).`,
        sizes: { subjects: sizes.subjects, connections: CONNECTIONS, secondsPerRound: sizes.seconds, rounds: ctx.rounds },
        figures: [
          throughput,
          figure({ id: 'http-overhead-p99', label: 'Eligibility check latency p99, 50 connections', unit: 'ms', higherIsBetter: false,
            ours: series('ledger', last('ledger').map((r) => r.p99)), baseline: series('bare Fastify route', last('bare').map((r) => r.p99)) }),
        ],
        latencies: [{ label: 'Check latency percentiles, 50 connections (median of rounds)', unit: 'ms', profiles: [
          { name: 'ledger', p50: pct('ledger', 'p50'), p90: pct('ledger', 'p90'), p99: pct('ledger', 'p99'), max: Math.max(...last('ledger').map((r) => r.max)) },
          { name: 'bare', p50: pct('bare', 'p50'), p90: pct('bare', 'p90'), p99: pct('bare', 'p99'), max: Math.max(...last('bare').map((r) => r.max)) },
        ] }],
        profile,
        notes,
      };
    } finally {
      await ledger.stop();
      for (const s of servers) await s.stop();
    }
  },
};
