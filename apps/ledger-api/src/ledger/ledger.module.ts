import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { type EventStore, EventStoreDbEventStore, PostgresEventStore } from '@app/event-store';
import type { LedgerConfig } from '@app/platform';
import { type Database, migrate, openDatabase, PgDatabase } from '@app/platform/database';
import { EligibilityReadModel, PARTITIONS_MIGRATION, PROJECTIONS, projectionMigrations, Projector } from '@app/projections';
import { KeySet, TokenVerifier } from '@app/security';
import { HTTP_IDEMPOTENCY_MIGRATION } from '../http/idempotency';
import { LedgerStreams } from './ledger-streams';
import { CLOCK, type Clock, CONFIG, DATABASE, ELIGIBILITY_DATABASE, EVENT_STORE, systemClock } from './tokens';

export interface LedgerModuleOptions { config: LedgerConfig; clock?: Clock }

/** The ports of the application and their adapters, chosen once from validated configuration. */
@Global()
@Module({})
export class LedgerModule implements OnApplicationShutdown {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(ELIGIBILITY_DATABASE) private readonly eligibilityDb: Database,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  static forRoot({ config, clock = systemClock }: LedgerModuleOptions): DynamicModule {
    return {
      module: LedgerModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
        {
          provide: DATABASE,
          useFactory: async () => {
            const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
            await migrate(db, [HTTP_IDEMPOTENCY_MIGRATION, ...projectionMigrations(PROJECTIONS), PARTITIONS_MIGRATION]);
            return db;
          },
        },
        {
          provide: EVENT_STORE,
          inject: [DATABASE],
          useFactory: (db: Database) => (config.eventStore === 'eventstoredb'
            ? EventStoreDbEventStore.connect(config.eventStoreConnectionString!)
            : PostgresEventStore.create(db)),
        },
        { provide: KeySet, useFactory: () => KeySet.loadOrCreate(join(config.dataDir, 'keys')) },
        {
          provide: TokenVerifier,
          inject: [KeySet],
          useFactory: (keys: KeySet) => new TokenVerifier(keys, config.jwtJwksUrl && config.jwtIssuer
            ? { issuer: config.jwtIssuer, audience: config.jwtAudience, jwksUrl: config.jwtJwksUrl }
            : undefined),
        },
        LedgerStreams,
        {
          // Constructed everywhere (queries read its checkpoints); it runs only where the projector role runs.
          provide: Projector,
          inject: [DATABASE, EVENT_STORE],
          useFactory: (db: Database, store: EventStore) => new Projector(db, store, PROJECTIONS, {
            batchSize: config.projectorBatchSize,
            faultDelayMs: config.projectorFaultDelayMs,
            onError: (name, error) => new Logger('projector').error(`${name}: ${error instanceof Error ? error.message : String(error)}`),
          }),
        },
        {
          // Checks and scrubs run one statement over and over. PostgreSQL prices its generic plan for 10 keys per array
          // (a check passes 1 or 2), so under plan_cache_mode=auto it re-plans every call; the plan is the same for any
          // keys (primary-key probes), so their own pool plans it once per connection and the main pool is untouched.
          provide: ELIGIBILITY_DATABASE,
          inject: [DATABASE],
          useFactory: (db: Database) => (db.kind === 'postgres' && config.databaseUrl
            ? new PgDatabase(config.databaseUrl, { max: 4, applicationName: 'consent-ledger-reads', planCacheMode: 'force_generic_plan' })
            : db),
        },
        { provide: EligibilityReadModel, inject: [ELIGIBILITY_DATABASE], useFactory: (db: Database) => new EligibilityReadModel(db) },
      ],
      exports: [CONFIG, CLOCK, DATABASE, EVENT_STORE, KeySet, TokenVerifier, LedgerStreams, Projector, EligibilityReadModel],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.store instanceof EventStoreDbEventStore) await this.store.close();
    if (this.eligibilityDb !== this.db) await this.eligibilityDb.close();
    await this.db.close();
  }
}
