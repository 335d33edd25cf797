import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { IdempotentRequest } from '../http/idempotency';

/** Who issued a command, for which tenant, and under which idempotency key. Travels into event metadata. */
export interface CommandMeta {
  tenantId: string;
  actor: string;
  correlationId: string;
  idempotency?: { key: string; requestHash: string };
}

export const Meta = createParamDecorator((_: unknown, context: ExecutionContext): CommandMeta => {
  const request = context.switchToHttp().getRequest<IdempotentRequest>();
  const principal = request.principal!;
  return {
    tenantId: principal.tenantId,
    actor: principal.actor,
    correlationId: String(request.id),
    idempotency: request.idempotency,
  };
});
