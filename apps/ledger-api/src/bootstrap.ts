import 'reflect-metadata';
import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { LOG_LEVELS, type LedgerConfig } from '@app/platform';
import { TokenVerifier } from '@app/security';
import { registerEdgeProtection } from '@app/security/http-edge';
import { AppModule } from './app.module';
import { AccessLog } from './audit/access-log/access-log';
import { registerAccessLogHooks } from './audit/access-log/access-logged';
import { registerIdempotencyStore } from './http/idempotency';
import { Problem } from './http/problem';
import { ProblemFilter } from './http/problem.filter';
import { validationPipe } from './http/validation';
import { type Clock, DATABASE } from './ledger/tokens';

export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface CreateAppOptions { clock?: Clock; logger?: boolean }

/** Builds the HTTP application; `main.ts` listens with it and the e2e suites drive it. */
export async function createApp(config: LedgerConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => randomUUID(),
    // Fastify's own request log would print URLs and bodies; the ledger logs routes only.
    logger: false,
  });
  const levels = LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.logLevel) + 1) as LogLevel[];
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot({ config, clock: options.clock }), adapter, {
    logger: options.logger === false ? false : levels,
  });
  // Lists for the scrub arrive as streams of any length: hand the raw body on, never buffer it.
  app.getHttpAdapter().getInstance().addContentTypeParser(['text/csv', 'application/x-ndjson'], (_request, payload, done) => done(null, payload));
  await registerEdgeProtection(app.getHttpAdapter().getInstance(), {
    max: config.rateLimitMax, windowMs: config.rateLimitWindowMs, verifier: app.get(TokenVerifier),
    tooManyRequests: (detail, retryAfter) => new Problem(429, 'rate-limited', 'Too many requests', detail, {}, { 'retry-after': String(retryAfter) }),
  });
  // Cross-cutting work around the handlers, as Fastify hooks (no Nest interceptor: see registerAccessLogHooks).
  registerIdempotencyStore(app.getHttpAdapter().getInstance(), app.get(DATABASE));
  registerAccessLogHooks(app.getHttpAdapter().getInstance(), app.get(AccessLog));
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(validationPipe());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(app, new DocumentBuilder()
    .setTitle('Consent Ledger')
    .setDescription('Event-sourced consent and HIPAA authorization ledger. Contract: docs/api.md.')
    .setVersion('1')
    .addBearerAuth()
    .build());
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  Logger.log(`ledger ready (${config.databaseUrl ? 'PostgreSQL server' : `embedded PGlite in ${config.dataDir}`})`, 'bootstrap');
  return app;
}
