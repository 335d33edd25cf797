import { randomUUID } from 'node:crypto';
import { type PreferenceSet, toWireEvent } from '@app/domain';
import type { NewEvent } from '@app/event-store';

export const TENANT = 'bench';

/** A real domain event (PreferenceSet, about 400 bytes on the wire), the same payload for every store. */
export function preferenceEvent(subjectId: string, n: number, at: string): NewEvent {
  const event = {
    type: 'PreferenceSet',
    data: {
      subjectId, purpose: n % 2 ? 'marketing' : 'research', channel: n % 3 ? 'email' : 'sms',
      choice: n % 4 === 3 ? 'opt-in' : 'opt-out', source: 'portal', effectiveAt: at, recordedAt: at,
    },
  } as PreferenceSet;
  const wire = toWireEvent(event);
  return {
    id: randomUUID(), type: wire.type, data: wire.data,
    metadata: { tenantId: TENANT, actor: 'bench', correlationId: 'bench', effectiveAt: at, recordedAt: at, schemaVersion: wire.schemaVersion },
  };
}

/** Runs `workers` loops that take job numbers 0..jobs-1 until none is left. */
export async function pool(workers: number, jobs: number, job: (n: number, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async (_, worker) => {
    for (let n = next++; n < jobs; n = next++) await job(n, worker);
  }));
}

/** Runs `workers` loops for `ms` milliseconds; answers how many iterations each finished. */
export async function forDuration(workers: number, ms: number, step: (worker: number, i: number) => Promise<void>): Promise<number> {
  const deadline = performance.now() + ms;
  let done = 0;
  await Promise.all(Array.from({ length: workers }, async (_, worker) => {
    for (let i = 0; performance.now() < deadline; i++) {
      await step(worker, i);
      done++;
    }
  }));
  return done;
}
