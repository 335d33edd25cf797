import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@app/platform';
import { startWorker, type Worker } from '../src/worker';

describe('the worker process serves its metrics and liveness', () => {
  let worker: Worker;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledger-worker-'));
    worker = await startWorker(loadConfig({
      LEDGER_DATA_DIR: dataDir, LEDGER_ROLES: 'projector,scheduler', WORKER_METRICS_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error',
    }));
  }, 60_000);
  afterAll(async () => {
    await worker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('GET /metrics: projection lag and the messaging counters, in the Prometheus text format', async () => {
    const response = await fetch(`${worker.metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^ledger_projection_lag_positions\{projection="eligibility"\} 0$/m);
    expect(text).toMatch(/^ledger_projection_lag_seconds\{projection="expiring-authorizations"\} 0$/m);
    expect(text).toContain('# TYPE ledger_ingest_dlq_total counter');
    expect(text).toContain('# TYPE ledger_kafka_messages_published_total counter');
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('GET /health/live names the roles; anything else is a problem+json 404', async () => {
    const live = await fetch(`${worker.metricsUrl}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok', roles: ['projector', 'scheduler'] });
    const other = await fetch(`${worker.metricsUrl}/v1/eligibility/check`, { method: 'POST' });
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toBe('application/problem+json');
    expect(await other.json()).toMatchObject({ status: 404, type: expect.stringMatching(/\/not-found$/) });
  });
});
