import { createHash, randomUUID } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import type { Type } from '@nestjs/common';
import type { Principal } from '@app/security';
import { canonicalJson } from '@app/event-store';
import { IdentifierPipe } from '../http/params';
import { validationPipe } from '../http/validation';
import type { CommandMeta } from '../ledger/command-meta';

const pipe = validationPipe();
const identifiers = new IdentifierPipe();

/** The HTTP request DTO's validation (unknown fields, types, formats) applied to a gRPC request's members. */
export async function validated<T extends object>(dto: Type<T>, plain: Record<string, unknown>): Promise<T> {
  const defined = Object.fromEntries(Object.entries(plain).filter(([, value]) => value !== undefined));
  return (await pipe.transform(defined, { type: 'body', metatype: dto })) as T;
}

/** What IdentifierPipe checks for a path parameter. */
export function identifier(value: string, field: string): string {
  return identifiers.transform(value, { data: field });
}

/** The command metadata of a gRPC call: tenant and actor from the token; `idempotency-key` metadata as the header. */
export function commandMeta(principal: Principal, metadata: Metadata, method: string, request: unknown): CommandMeta {
  const [key] = metadata.get('idempotency-key');
  return {
    tenantId: principal.tenantId,
    actor: principal.actor,
    correlationId: randomUUID(),
    idempotency: typeof key === 'string' && key.length > 0
      ? {
        key: `grpc:${principal.tenantId}:${method}:${key}`,
        requestHash: createHash('sha256').update(canonicalJson({ method, request })).digest('hex'),
      }
      : undefined,
  };
}
