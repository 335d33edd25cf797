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
  '^@app/(domain|event-store|platform|security)$': '<rootDir>/libs/$1/src',
  '^@app/(domain|event-store|platform|security)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const project = (name, suffix, extra = {}) => ({
  displayName: name,
  rootDir: __dirname,
  testEnvironment: 'node',
  testTimeout: 60000,
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  testMatch: [`<rootDir>/{apps,libs,test}/**/*.${suffix}.spec.ts`],
  ...extra,
});
module.exports = {
  projects: [
    project('unit', 'unit'),
    project('int', 'int', { slowTestThreshold: 30 }),
    project('e2e', 'e2e', { slowTestThreshold: 30 }),
  ],
};
