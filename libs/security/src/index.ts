export * from './key-set';
export * from './tokens';
