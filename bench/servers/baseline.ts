/**
 * Baseline HTTP servers for bench/http and bench/check, bare Fastify (no Nest, no auth, no validation, no access log):
 *  - BASELINE=bare:  POST /check does what the ledger's check does at its core — the same read-model lookup
 *    (EligibilityReadModel.snapshot) and the same decide/evaluate — and nothing else;
 *  - BASELINE=naive: POST /check is the naive design: one SQL query assembled in the controller selects the subject's
 *    authorization rows from a plain table, and a hand-written rule answers;
 *  - BASELINE=constant: POST /check parses the body and answers a fixed decision, touching nothing: the ceiling of
 *    this machine and this load generator for the same requests.
 * Env: DATABASE_URL, PORT, BASELINE.
 */
import Fastify from 'fastify';
import { PgDatabase } from '@app/platform/database';
import { EligibilityReadModel } from '@app/projections';
import { decide } from '../../apps/ledger-api/src/eligibility/check/check.handler';

const TENANT = 'bench';

async function main(): Promise<void> {
  // The bare route runs the ledger's lookup the way the ledger runs it: on a pool planning it once (generic plans).
  const db = new PgDatabase(process.env.DATABASE_URL!, {
    max: 10,
    applicationName: `bench-${process.env.BASELINE}`,
    planCacheMode: process.env.BASELINE === 'bare' ? 'force_generic_plan' : undefined,
  });
  const app = Fastify({ logger: false });
  if (process.env.BASELINE === 'bare') {
    const readModel = new EligibilityReadModel(db);
    app.post('/check', async (request) => {
      const body = request.body as { subjectId: string; channel: string; purpose: string };
      const now = new Date().toISOString();
      const snapshot = await readModel.snapshot(TENANT, [body.subjectId], []);
      return decide(snapshot, body.subjectId, undefined, { channel: body.channel as never, purpose: body.purpose as never, usesPart2Data: false }, now, now);
    });
  } else if (process.env.BASELINE === 'constant') {
    app.post('/check', async (request) => {
      const body = request.body as { subjectId: string };
      return { decision: 'ALLOW', reasons: [], subjectId: body.subjectId };
    });
  } else {
    app.post('/check', async (request) => {
      const body = request.body as { subjectId: string; channel: string; purpose: string };
      const rows = await db.query<{ purposes: string[]; channels: string[]; status: string; expires_at: Date | null }>(
        'SELECT purposes, channels, status, expires_at FROM naive_authorizations WHERE tenant_id = $1 AND subject_id = $2', [TENANT, body.subjectId]);
      const now = Date.now();
      const allowed = rows.some((r) => r.status === 'active' && r.purposes.includes(body.purpose) && r.channels.includes(body.channel)
        && (r.expires_at === null || r.expires_at.getTime() > now));
      return { decision: allowed ? 'ALLOW' : 'DENY', reasons: allowed ? [] : [{ code: 'NO_AUTHORIZATION' }] };
    });
  }
  process.on('SIGUSR2', () => process.exit(0));
  process.on('SIGTERM', () => void app.close().then(() => db.close()).then(() => process.exit(0)));
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  process.stdout.write(`baseline ${process.env.BASELINE} listening\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
