import { Controller, Get, Header, Inject, Injectable } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { EventStore } from '@app/event-store';
import { messagingStats, relayLag } from '@app/messaging';
import type { LedgerConfig } from '@app/platform';
import type { Database } from '@app/platform/database';
import { Projector } from '@app/projections';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { Public } from '../http/auth';
import { CONFIG, DATABASE, EVENT_STORE } from '../ledger/tokens';

/** Prometheus metrics. Labels never carry PHI: projection names only. */
@Injectable()
export class LedgerMetrics {
  readonly registry = new Registry();

  constructor(
    projector: Projector,
    @Inject(DATABASE) db: Database,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(CONFIG) config: LedgerConfig,
  ) {
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
    this.registerMessaging(db, store, config.kafkaBrokers.length > 0);
  }

  /** Kafka relay and ingest (issue 5). Counters are this process's; the lag is read from the database. */
  private registerMessaging(db: Database, store: EventStore, kafka: boolean): void {
    const registers = [this.registry];
    if (kafka) {
      new Gauge({
        name: 'ledger_relay_lag_positions', help: 'Global log positions between the head and the Kafka relay checkpoint', registers,
        async collect() { this.set(Number((await relayLag(db, store)).positions)); },
      });
      new Gauge({
        name: 'ledger_relay_lag_seconds', help: 'Age of the oldest event the relay has not published yet (0 when caught up)', registers,
        async collect() { this.set((await relayLag(db, store)).seconds); },
      });
    }
    const total = (counter: Counter<string>, values: Map<string, number> | number, label?: string) => {
      counter.reset();
      if (typeof values === 'number') counter.inc(values);
      else for (const [key, n] of values) counter.inc({ [label!]: key }, n);
    };
    new Counter({
      name: 'ledger_kafka_messages_published_total', help: 'Messages the relay published and the broker acknowledged', labelNames: ['topic'], registers,
      collect() { total(this, messagingStats.published, 'topic'); },
    });
    new Counter({
      name: 'ledger_relay_errors_total', help: 'Relay passes that failed (broker or database unreachable) and were retried', registers,
      collect() { total(this, messagingStats.relayErrors); },
    });
    new Counter({
      name: 'ledger_ingest_messages_total', help: 'Inbound messages handled, by outcome (applied, unchanged, dlq)', labelNames: ['outcome'], registers,
      collect() { total(this, messagingStats.ingested, 'outcome'); },
    });
    new Counter({
      name: 'ledger_ingest_errors_total', help: 'Inbound messages that failed for a reason other than their content (retried)', registers,
      collect() { total(this, messagingStats.ingestErrors); },
    });
    new Counter({
      name: 'ledger_ingest_dlq_total', help: 'Inbound messages sent to consent.inbound.dlq.v1', registers,
      collect() { total(this, messagingStats.dlq); },
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
