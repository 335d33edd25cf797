export * from './config';
export * from './pause';
