import { loadConfigOrExit } from '@app/platform';
import { startWorker } from './worker';

/** The worker process: every configured role but the HTTP API (worker.ts). */
async function main(): Promise<void> {
  const worker = await startWorker(loadConfigOrExit(process.env));
  worker.app.enableShutdownHooks();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void worker.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`Consent Ledger worker failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
