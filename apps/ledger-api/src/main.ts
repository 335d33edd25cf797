import { ConfigError, loadConfig } from '@app/platform';
import { createApp } from './bootstrap';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  process.stdout.write(`Consent Ledger listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port} (OpenAPI at /docs)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Consent Ledger failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
