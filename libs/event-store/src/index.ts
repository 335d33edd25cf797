export * from './event-store';
export * from './errors';
export { canonicalJson, eventHash, sha256Hex, type ChainedContent } from './hash-chain';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres/postgres-event-store';
export { EVENTS_CHANNEL, POSITION_INDEX_BITS, eventStoreMigrations } from './postgres/migrations';
export { EventStoreDbEventStore, type EventStoreDbOptions } from './eventstoredb/eventstoredb-event-store';
