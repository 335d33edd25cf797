import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Projector } from '@app/projections';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { Public } from '../http/auth';

/** Prometheus metrics. Labels never carry PHI: projection names only. */
@Injectable()
export class LedgerMetrics {
  readonly registry = new Registry();

  constructor(projector: Projector) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'ledger_projection_lag_positions',
      help: 'Global log positions between the head and the projection checkpoint',
      labelNames: ['projection'],
      registers: [this.registry],
      async collect() {
        for (const l of await projector.lag()) this.set({ projection: l.name }, Number(l.positions));
      },
    });
    new Gauge({
      name: 'ledger_projection_lag_seconds',
      help: 'Age of the oldest event the projection has not applied yet (0 when caught up)',
      labelNames: ['projection'],
      registers: [this.registry],
      async collect() {
        for (const l of await projector.lag()) this.set({ projection: l.name }, l.seconds);
      },
    });
  }
}

@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: LedgerMetrics) {}

  @Get()
  @Public()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
