import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { Problem } from '../http/problem';
import { FhirConsentController } from './fhir.controller';

/** FHIR R4 Consent: export for EHR charts, intake of paper authorizations. */
@Module({ controllers: [FhirConsentController] })
export class FhirModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** EHRs send `application/fhir+json`: parsed as JSON, with the application's body limit. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify || fastify.hasContentTypeParser('application/fhir+json')) return;
    fastify.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new Problem(400, 'validation-failed', 'The request is not valid', 'The body is not JSON.', { errors: [{ field: 'body', message: 'must be JSON' }] }), undefined);
      }
    });
  }
}
