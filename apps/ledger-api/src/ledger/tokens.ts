/** Injection tokens for the ports the application depends on. */
export const CONFIG = Symbol('LedgerConfig');
export const DATABASE = Symbol('Database');
/** What the eligibility read model's lookups run on: on PostgreSQL a pool of their own, on PGlite `DATABASE` itself. */
export const ELIGIBILITY_DATABASE = Symbol('EligibilityDatabase');
export const EVENT_STORE = Symbol('EventStore');
export const CLOCK = Symbol('Clock');

/** The clock port: the only place the application reads the time. Tests pass a fake. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
