import 'reflect-metadata';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type INestApplicationContext, Logger, type LogLevel, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type LedgerConfig, LOG_LEVELS } from '@app/platform';
import { LedgerMetrics } from '../../ledger-api/src/health/metrics';
import { Problem } from '../../ledger-api/src/http/problem';
import { LedgerModule } from '../../ledger-api/src/ledger/ledger.module';
import { RolesModule } from './roles/roles.module';

export interface Worker {
  app: INestApplicationContext;
  /** Where /metrics and /health/live are served (WORKER_METRICS_PORT). */
  metricsUrl: string;
  close(): Promise<void>;
}

/**
 * The worker process: every configured role but the HTTP API, scaled on its own. It serves no API, only what its
 * operators scrape: GET /metrics (the same registry as the API's: this process's relay and ingest counters, and the
 * projection and relay lag read from the database) and GET /health/live, on WORKER_METRICS_PORT.
 */
export async function startWorker(config: LedgerConfig): Promise<Worker> {
  const roles = config.roles.filter((role) => role !== 'api');
  @Module({ imports: [LedgerModule.forRoot({ config }), RolesModule.forRoles(roles)], providers: [LedgerMetrics] })
  class WorkerModule {}
  const app = await NestFactory.createApplicationContext(WorkerModule, {
    logger: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.logLevel) + 1) as LogLevel[],
  });
  const metrics = app.get(LedgerMetrics);
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method === 'GET' && path === '/health/live') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', roles }));
    } else if (request.method === 'GET' && path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
        () => send(response, new Problem(503, 'metrics-unavailable', 'Metrics unavailable', 'The metrics could not be collected (database unreachable?).')),
      );
    } else {
      send(response, Problem.notFound('The worker serves GET /metrics and GET /health/live only.'));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.workerMetricsPort, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  Logger.log(`worker running roles: ${roles.join(', ') || 'none'}; metrics on ${config.host}:${port}`, 'worker');
  return {
    app,
    metricsUrl: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    async close() {
      await new Promise<void>((resolve) => closeServer(server, resolve));
      await app.close();
    },
  };
}

/** RFC 9457, as every other error the ledger answers. */
function send(response: ServerResponse, problem: Problem): void {
  response.writeHead(problem.status, { 'content-type': 'application/problem+json' }).end(JSON.stringify(problem.toJSON()));
}

function closeServer(server: Server, done: () => void): void {
  server.close(() => done());
  server.closeAllConnections();
}
