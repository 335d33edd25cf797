import { loadConfigOrExit } from '@app/platform';
import { createApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  process.stdout.write(`Consent Ledger listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port} (OpenAPI at /docs)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Consent Ledger failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
