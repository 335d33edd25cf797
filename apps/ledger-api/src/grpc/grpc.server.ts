import { Server, ServerCredentials } from '@grpc/grpc-js';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { LedgerConfig } from '@app/platform';
import { CONFIG } from '../ledger/tokens';
import { EligibilityGrpcService } from './eligibility.grpc';
import { EligibilityService } from './gen/consent/v1/eligibility_pb';
import { LedgerService } from './gen/consent/v1/ledger_pb';
import { LedgerGrpcService } from './ledger.grpc';
import { serviceDefinition } from './service-definition';

/**
 * gRPC on GRPC_PORT, in the API process beside HTTP (not a Nest microservice): it starts when the HTTP server starts
 * listening (Fastify's onListen) and stops with the application, so `npm start`, the api Deployment and a test that
 * listens all serve both, while an app that only injects requests (most e2e suites) binds no port. Both protocols
 * share the module graph: the same handlers, token verifier, read models and access log.
 */
@Injectable()
export class GrpcServer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('grpc');
  private server: Server | undefined;
  private starting: Promise<number> | undefined;
  /** The port bound (GRPC_PORT, or the one the system chose for 0); undefined until started. */
  port: number | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: LedgerConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly eligibility: EligibilityGrpcService,
    private readonly ledger: LedgerGrpcService,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify || !this.config.roles.includes('api')) return;
    // Fastify runs onListen hooks after listen() has resolved and only logs their errors: a port that cannot be bound
    // is reported here and stops the process (through the shutdown hooks), as an HTTP port that cannot be bound does.
    fastify.addHook('onListen', async () => {
      await this.start().catch((error: unknown) => {
        this.logger.error(`cannot serve gRPC on ${this.config.host}:${this.config.grpcPort} (GRPC_PORT): ${error instanceof Error ? error.message : String(error)}`);
        process.kill(process.pid, 'SIGTERM');
      });
    });
  }

  /** Starts serving (once); resolves with the port bound. */
  start(): Promise<number> {
    this.starting ??= this.bind();
    return this.starting;
  }

  private async bind(): Promise<number> {
    const server = new Server({ 'grpc.max_receive_message_length': 8 * 1024 * 1024 });
    server.addService(serviceDefinition(EligibilityService), this.eligibility.implementation());
    server.addService(serviceDefinition(LedgerService), this.ledger.implementation());
    // Plain HTTP/2: TLS ends at the ingress or the service mesh, as for the HTTP API (docs/operations.md).
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${this.config.host}:${this.config.grpcPort}`, ServerCredentials.createInsecure(), (error, port) =>
        (error ? reject(error) : resolve(port))));
    this.server = server;
    this.logger.log(`gRPC listening on ${this.config.host}:${this.port}`);
    return this.port;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.port = undefined;
    this.starting = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 5000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
