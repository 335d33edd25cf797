/** Injection tokens for the ports the application depends on. */
export const CONFIG = Symbol('LedgerConfig');
export const DATABASE = Symbol('Database');
export const EVENT_STORE = Symbol('EventStore');
export const CLOCK = Symbol('Clock');

/** The clock port: the only place the application reads the time. Tests pass a fake. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
