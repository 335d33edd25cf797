import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

/**
 * Compiles the apps into a private folder under .cache (git-ignored), for tests that run a role as a real process
 * (so that it can be killed). Node resolves packages from the repository's node_modules above it.
 */
export async function buildApps(): Promise<{ dir: string; main(app: 'ledger-api' | 'ledger-worker' | 'ledgerctl'): string; remove(): Promise<void> }> {
  const dir = join(ROOT, '.cache', `test-build-${process.pid}-${Date.now()}`);
  await run('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', dir], { cwd: ROOT });
  await run('npx', ['tsc-alias', '-p', 'tsconfig.build.json', '--outDir', dir], { cwd: ROOT });
  return {
    dir,
    main: (app) => join(dir, 'apps', app, 'src', 'main.js'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
