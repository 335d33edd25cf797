/**
 * bench scrub (issue 4): a 1,000,000-line CSV list scrubbed by POST /v1/eligibility/scrub against a read model of
 * 1,000,000 subjects, streamed both ways; lines/s and the peak RSS (VmHWM) of the ledger process. No baseline exists
 * for this one: the targets are absolute (>= 100,000 lines/s, peak RSS < 300 MiB).
 */
import { createReadStream, createWriteStream, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { once } from 'node:events';
import { PgDatabase } from '@app/platform/database';
import { EligibilityReadModel } from '@app/projections';
import { encodeAnswer, precomputedQuestion } from '@app/domain';
import { decide } from '../apps/ledger-api/src/eligibility/check/check.handler';
import { csvLines } from '../apps/ledger-api/src/eligibility/scrub/scrub-lines';
import { type Benchmark, type BenchContext, type BenchResult, figure, median, now, series } from './lib/harness';
import { cpuPerRequest, type CpuPerRequest, medianCpu } from './lib/cpu';
import { readCost } from './lib/read-cost';
import { prepareSchema, SEED_TENANT, seedSubjects } from './lib/seed';
import { LEDGER_NODE_FLAGS, LEDGER_NODE_OPTIONS, type Ledger, profileLedger, startLedger, V8_OWN_HEAP_SIZING } from './lib/server';

export async function writeList(path: string, lines: number, subjects: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('subjectId,email,campaign\n');
  for (let i = 0; i < lines; i++) {
    const s = 1 + ((i * 7919) % subjects);
    // Every tenth line names only the address; every 100th has a malformed address.
    const line = i % 10 === 0 ? `,person${s}@example.com,spring\n` : i % 100 === 1 ? `s${s},not-an-address,spring\n` : `s${s},person${s}@example.com,spring\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** The question the scrub asks: its answers are precomputed. */
export const STORED_QUESTION = 'channel=email&purpose=marketing';
/**
 * The same question asked about a minute ahead (`asOf` later than now): the stored answers hold for questions asked now,
 * so every line is decided by `evaluate` from the states; no seeded fact names an instant in that minute, so the answers
 * are the same (checked: the same lines denied). The baseline of the same run. (A category classified like its purpose,
 * `category=promotion`, is answered from the stored answers too: libs/domain `precomputedQuestion`.)
 */
export function statesQuestion(): string {
  return `${STORED_QUESTION}&asOf=${new Date(Date.now() + 60_000).toISOString()}`;
}

/** Streams the list up and the answer down; answers the number of answer lines (header included) and the seconds. */
export function scrub(ledger: Ledger, path: string, question = STORED_QUESTION): Promise<{ lines: number; seconds: number; denied: number }> {
  return new Promise((resolve, reject) => {
    const started = now();
    const url = new URL(`/v1/eligibility/scrub?${question}`, ledger.url);
    const req = request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${ledger.token}`, 'content-type': 'text/csv', accept: 'text/csv' },
    }, (res) => {
      if (res.statusCode !== 200) {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => reject(new Error(`scrub answered ${res.statusCode}: ${text}`)));
        return;
      }
      let lines = 0;
      let denied = 0;
    const roundPeaks: number[] = [];
      let tail = '';
      res.on('data', (chunk: Buffer) => {
        const text = tail + chunk.toString('utf8');
        const parts = text.split('\n');
        tail = parts.pop()!;
        lines += parts.length;
        for (const p of parts) if (p.includes(',DENY,')) denied++;
      });
      res.on('end', () => resolve({ lines: lines + (tail ? 1 : 0), seconds: (now() - started) / 1000, denied }));
      res.on('error', reject);
    });
    req.on('error', reject);
    createReadStream(path).pipe(req);
  });
}

export const scrubBenchmark: Benchmark = {
  name: 'scrub',
  title: 'Bulk list scrub',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const sizes = ctx.smoke ? { subjects: 2_000, lines: 5_000, rounds: 2 } : { subjects: ctx.size(1_000_000), lines: ctx.size(1_000_000), rounds: 3 };
    const database = await ctx.database();
    await prepareSchema(database.url);
    ctx.log(`seeding ${sizes.subjects.toLocaleString('en-US')} subjects`);
    const seedStarted = now();
    await seedSubjects(database.url, sizes.subjects, { log: ctx.smoke ? undefined : ctx.log });
    ctx.log(`  seeded in ${((now() - seedStarted) / 1000).toFixed(1)} s`);
    const list = join(ctx.tmpDir, 'scrub-list.csv');
    await writeList(list, sizes.lines, sizes.subjects);
    const dataDir = mkdtempSync(join(ctx.tmpDir, 'scrub-ledger-'));
    let ledger = await startLedger(database.url, dataDir, { compiled: !ctx.smoke });
    const rates: number[] = [];
    const statesRates: number[] = [];
    let idleRss = NaN;
    let peak = NaN;
    let denied = 0;
    const roundPeaks: number[] = [];
    const cpu: CpuPerRequest[] = [];
    const statesCpu: CpuPerRequest[] = [];
    try {
      idleRss = ledger.rssMiB();
      // Alternately: the question whose answers are precomputed, and the same answers decided from the states.
      for (let round = 0; round < sizes.rounds; round++) {
        for (const [question, into, cpuInto, name] of [[STORED_QUESTION, rates, cpu, 'stored answers'], [statesQuestion(), statesRates, statesCpu, 'from the states']] as const) {
          const { result, cpu: used } = await cpuPerRequest(ledger.pid, () => scrub(ledger, list, question), () => sizes.lines);
          cpuInto.push(used);
          if (result.lines !== sizes.lines + 1) throw new Error(`the scrub answered ${result.lines} lines for ${sizes.lines} (+ header)`);
          if (into !== rates && result.denied !== denied) throw new Error(`the two paths disagree: ${result.denied} lines denied from the states, ${denied} from the stored answers`);
          into.push(sizes.lines / result.seconds);
          if (into === rates) denied = result.denied;
          roundPeaks.push(ledger.peakRssMiB());
          ctx.log(`  scrub round ${round + 1}/${sizes.rounds} (${name}): ${Math.round(sizes.lines / result.seconds)} lines/s in ${result.seconds.toFixed(1)} s, peak RSS ${ledger.peakRssMiB().toFixed(0)} MiB`);
        }
      }
      peak = ledger.peakRssMiB();
    } finally {
      await ledger.stop();
    }
    // The same scrub with V8 left to size the heap on its own (no old-space bound, its own growing factor): is the
    // shipped bound's peak the scrub's own, and what does the bound cost?
    const unbounded = await startLedger(database.url, mkdtempSync(join(ctx.tmpDir, 'scrub-unbounded-')),
      { compiled: !ctx.smoke, ...V8_OWN_HEAP_SIZING });
    let unboundedRate = NaN;
    let unboundedPeak = NaN;
    try {
      const result = await scrub(unbounded, list);
      if (result.lines !== sizes.lines + 1) throw new Error(`the unbounded scrub answered ${result.lines} lines for ${sizes.lines} (+ header)`);
      unboundedRate = sizes.lines / result.seconds;
      unboundedPeak = unbounded.peakRssMiB();
      ctx.log(`  heap unbounded (V8 sized from the machine): ${Math.round(unboundedRate)} lines/s, peak RSS ${unboundedPeak.toFixed(0)} MiB`);
    } finally {
      await unbounded.stop();
    }
    // What one batch of the scrub costs apart: the read-model round trip for 1,000 lines, and deciding them.
    const db = new PgDatabase(database.url, { max: 1, planCacheMode: 'force_generic_plan' }); // as the ledger's read pool
    const snapshotMs: number[] = [];
    const evaluateMs: number[] = [];
    const decodeMicros: number[] = [];
    const answersMs: number[] = [];
    try {
      const readModel = new EligibilityReadModel(db);
      const at = new Date().toISOString();
      const question = { channel: 'email', purpose: 'marketing', usesPart2Data: false } as const;
      for (let i = 0; i < (ctx.smoke ? 2 : 10); i++) {
        const ids = Array.from({ length: 1000 }, () => `s${1 + Math.floor(Math.random() * sizes.subjects)}`);
        let t = now();
        const snapshot = await readModel.snapshot(SEED_TENANT, ids, []);
        snapshotMs.push(now() - t);
        t = now();
        const decisions = ids.map((id) => decide(snapshot, id, undefined, question, at, at));
        evaluateMs.push(now() - t);
        t = now();
        const stored = await readModel.answers(SEED_TENANT, precomputedQuestion(question), 'email', ids.map((subjectId) => ({ subjectId })), at);
        answersMs.push(now() - t);
        // The seeded answers are evaluate's over the seeded views, or the stored path would be measured on wrong answers.
        ids.forEach((id, k) => {
          if (stored[k] !== encodeAnswer(decisions[k])) throw new Error(`seeded answer of ${id}: ${stored[k]} where evaluate answers ${encodeAnswer(decisions[k])}`);
        });
        // The share of the round trip that is Node turning the stored views back into objects.
        const texts = [...snapshot.subjects.values(), ...snapshot.contacts.values()].map((v) => JSON.stringify(v));
        t = now();
        for (const text of texts) JSON.parse(text);
        decodeMicros.push(((now() - t) * 1000) / ids.length);
      }
    } finally {
      await db.close();
    }
    ctx.log(`  one batch apart: read-model round trip for 1,000 lines ${median(snapshotMs).toFixed(1)} ms, deciding them ${median(evaluateMs).toFixed(1)} ms; ` +
      `their stored answers ${median(answersMs).toFixed(1)} ms`);
    // Reading the list alone, with the route's own CSV reader: what a line costs before anything is looked up.
    let t = now();
    let read = 0;
    for await (const _ of csvLines(createReadStream(list), () => undefined)) read++;
    const csvMicrosPerLine = ((now() - t) * 1000) / read;
    const nodeFloorMicros = csvMicrosPerLine + median(decodeMicros) + median(evaluateMs);
    ctx.log(`  Node alone, per line: reading the CSV ${csvMicrosPerLine.toFixed(1)} µs, decoding views ${median(decodeMicros).toFixed(1)} µs, deciding ${median(evaluateMs).toFixed(1)} µs`);
    const cpuPerLine = medianCpu(cpu);
    const cost = await readCost(database.url, sizes.subjects);
    const throughput = figure({ id: 'scrub-throughput', label: `Scrub of a ${sizes.lines.toLocaleString('en-US')}-line CSV, ${sizes.subjects.toLocaleString('en-US')} subjects`, unit: 'lines/s',
      higherIsBetter: true, ours: series('stored answers', rates), baseline: series('decided from the states', statesRates), target: { atLeast: 100_000 } });
    const memory = figure({ id: 'scrub-peak-rss', label: 'Peak RSS of the ledger process during the scrubs (VmHWM)', unit: 'MiB',
      higherIsBetter: false, ours: series('ledger', [peak]), value: peak, target: { atMost: 300 } });
    let profile: BenchResult['profile'];
    if (!ctx.smoke && (!throughput.met || !memory.met)) {
      ctx.log('targets missed: profiling one scrub (node --cpu-prof, pg_stat_activity samples)');
      profile = await profileLedger(database.url, dataDir, join(ctx.tmpDir, 'scrub-profile'), `ledger process, one ${sizes.lines.toLocaleString('en-US')}-line scrub`,
        async (profiled) => {
          ledger = profiled;
          await scrub(profiled, list);
        });
    }
    return {
      name: 'scrub',
      title: 'Bulk list scrub (bench/scrub)',
      method: `${sizes.subjects.toLocaleString('en-US')} subjects seeded in the eligibility read model (states folded by the deciders, their views and ` +
        `precomputed answers, copied by SQL; half with a linked email and its contact state). ` +
        `A ${sizes.lines.toLocaleString('en-US')}-line CSV (subjectId,email,campaign; a tenth with the address only, 1% malformed addresses) is streamed to POST ` +
        `/v1/eligibility/scrub?${STORED_QUESTION} (answers precomputed: rm_decisions) on the ledger in its own process, and the CSV answer streamed back and counted. ` +
        `Baseline in the same run, on the same process, alternating with it: the same question asked about a minute ahead (&asOf=now+60s), which has the same ` +
        `answers (checked: the same lines denied) but is not among the stored answers (they hold for now), so every line is decided by evaluate from the ` +
        `states; ${sizes.rounds} rounds each. ` +
        `Peak RSS is the process's VmHWM from /proc after the rounds (idle RSS after start: ${idleRss.toFixed(0)} MiB). CPU per line by process from /proc ` +
        `over each round. Measured apart in the benchmark process: reading the list with the route's CSV reader (csvLines), decoding the views of a ` +
        `batch (JSON.parse) and deciding its lines (decide/evaluate), and reading the stored answers of the same batch (checked equal to evaluate's).`,
      sizes: { subjects: sizes.subjects, lines: sizes.lines, rounds: sizes.rounds, deniedLinesPerScrub: denied },
      figures: [throughput, memory],
      profile,
      extra: {
        snapshotMs: median(snapshotMs), evaluateMs: median(evaluateMs), answersMs: median(answersMs), statesCpuPerLine: medianCpu(statesCpu), idleRssMiB: idleRss, roundPeaksMiB: roundPeaks,
        unboundedPeakMiB: unboundedPeak, unboundedRate, nodeOptions: LEDGER_NODE_OPTIONS, nodeFlags: LEDGER_NODE_FLAGS.join(' '), readCost: cost,
        cpuPerLine, nodePerLine: { csvMicros: csvMicrosPerLine, decodeMicros: median(decodeMicros), decideMicros: median(evaluateMs), floorMicros: nodeFloorMicros },
      },
      notes: [],
    };
  },
};
