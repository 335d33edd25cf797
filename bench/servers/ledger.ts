/**
 * The ledger as the benchmarks run it: apps/ledger-api's main, in its own process, from the TypeScript sources.
 * SIGUSR2 exits cleanly, so that `node --cpu-prof` writes its profile.
 */
process.on('SIGUSR2', () => process.exit(0));
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../../apps/ledger-api/src/main');
