export * from './key-set';
export * from './tokens';
export * from './signatures';
export * from './personal-data';
