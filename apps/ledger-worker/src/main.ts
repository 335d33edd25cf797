import 'reflect-metadata';
import { Logger, type LogLevel, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LOG_LEVELS, loadConfigOrExit } from '@app/platform';
import { LedgerModule } from '../../ledger-api/src/ledger/ledger.module';
import { RolesModule } from './roles/roles.module';

/** The worker process: every configured role but the HTTP API, scaled on its own. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const roles = config.roles.filter((role) => role !== 'api');
  @Module({ imports: [LedgerModule.forRoot({ config }), RolesModule.forRoles(roles)] })
  class WorkerModule {}
  const app = await NestFactory.createApplicationContext(WorkerModule, {
    logger: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.logLevel) + 1) as LogLevel[],
  });
  app.enableShutdownHooks();
  Logger.log(`worker running roles: ${roles.join(', ') || 'none'}`, 'worker');
}

main().catch((error: unknown) => {
  process.stderr.write(`Consent Ledger worker failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
