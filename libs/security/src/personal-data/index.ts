export * from './envelope';
export * from './master-key';
export * from './data-keys';
export * from './personal-data-codec';
