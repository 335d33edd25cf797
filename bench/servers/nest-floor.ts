/**
 * The floor of the ledger's stack for bench/check: NestJS on Fastify with the ledger's global validation pipe and
 * problem filter, one POST /check route taking the ledger's own request class (class-transformer + class-validator),
 * answering a fixed decision. No guard, no interceptor, no database: what any route of this stack costs before it
 * does anything. Env: PORT.
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { EligibilityCheckRequest } from '../../apps/ledger-api/src/eligibility/check/check.request';
import { ProblemFilter } from '../../apps/ledger-api/src/http/problem.filter';
import { validationPipe } from '../../apps/ledger-api/src/http/validation';

@Controller('check')
class FloorController {
  @Post()
  @HttpCode(200)
  check(@Body() body: EligibilityCheckRequest): { decision: string; reasons: unknown[]; subjectId: string | undefined } {
    return { decision: 'ALLOW', reasons: [], subjectId: body.subjectId };
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(FloorModule, new FastifyAdapter({ logger: false }), { logger: false });
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(validationPipe());
  app.enableShutdownHooks();
  process.on('SIGUSR2', () => process.exit(0));
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  process.stdout.write('nest floor listening\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`nest floor failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
