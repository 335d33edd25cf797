import type { ExpectedRevision } from './event-store';

export abstract class EventStoreError extends Error {
  abstract readonly code: string;
}

/** Another writer appended first: reload the stream, decide again, retry. */
export class WrongExpectedRevisionError extends EventStoreError {
  readonly code = 'wrong-expected-revision';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's current revision; -1 when it does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, but it is ${actual < 0 ? 'absent' : actual}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** The idempotency key was first used for a different request. */
export class IdempotencyKeyReusedError extends EventStoreError {
  readonly code = 'idempotency-key-reused';
  constructor(readonly idempotencyKey: string) {
    super(`idempotency key ${idempotencyKey} was already used for a different request`);
    this.name = 'IdempotencyKeyReusedError';
  }
}

/** Every event of a stream carries the stream's tenant: a stream never crosses tenants. */
export class StreamTenantMismatchError extends EventStoreError {
  readonly code = 'stream-tenant-mismatch';
  constructor(readonly streamId: string, readonly streamTenantId: string, readonly eventTenantId: string) {
    super(`stream ${streamId} belongs to tenant ${streamTenantId}, not ${eventTenantId}`);
    this.name = 'StreamTenantMismatchError';
  }
}

/** An event id is already in the store (ids are unique across streams). */
export class DuplicateEventIdError extends EventStoreError {
  readonly code = 'duplicate-event-id';
  constructor(readonly streamId: string) {
    super(`an event appended to ${streamId} reuses an event id already in the store`);
    this.name = 'DuplicateEventIdError';
  }
}
