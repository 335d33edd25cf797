/** Test tiers by file suffix (STYLE.md): unit, int (real PostgreSQL/PGlite), e2e (running app). */
const swc = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
}];
const moduleNameMapper = {
  '^@app/(domain|event-store|platform|security|projections|messaging|documents)$': '<rootDir>/libs/$1/src',
  '^@app/(domain|event-store|platform|security|projections|messaging|documents)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const ESM_ONLY = ['jose', 'content-disposition'];
const project = (name, suffix, extra = {}) => ({
  displayName: name,
  rootDir: __dirname,
  testEnvironment: 'node',
  testTimeout: 60000,
  // Some dependencies ship ES modules only; Node 20.19 loads them with require(esm), Jest's runtime does not,
  // so swc compiles those few to CommonJS.
  transform: { '^.+\\.(ts|js|mjs)$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  moduleNameMapper,
  testMatch: [`<rootDir>/{apps,libs,test}/**/*.${suffix}.spec.ts`],
  ...extra,
});
module.exports = {
  testTimeout: 60000,
  projects: [
    project('unit', 'unit'),
    project('int', 'int', { slowTestThreshold: 30 }),
    project('e2e', 'e2e', { slowTestThreshold: 30 }),
    project('browser', 'browser', { slowTestThreshold: 30 }),
  ],
};
