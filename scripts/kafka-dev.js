#!/usr/bin/env node
/**
 * `npm run kafka:dev`: the test harness's Kafka broker on a fixed port (KAFKA_PORT, default 9092)
 * until Ctrl-C. The harness is TypeScript (test/support/kafka); it is compiled on load with
 * @swc/core, already a dev dependency, so there is no build step and no second copy of the logic.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const harness = path.resolve(__dirname, '..', 'test', 'support', 'kafka');
require.extensions['.ts'] = (module, filename) => {
  if (!filename.startsWith(harness + path.sep)) throw new Error(`kafka-dev: refusing to compile ${filename}`);
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};

const { startKafka } = require(path.join(harness, 'broker.ts'));

async function main() {
  const port = Number(process.env.KAFKA_PORT || 9092);
  const controllerPort = process.env.KAFKA_CONTROLLER_PORT ? Number(process.env.KAFKA_CONTROLLER_PORT) : undefined;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`KAFKA_PORT must be a port number, got ${process.env.KAFKA_PORT}`);
  const started = Date.now();
  let broker;
  broker = await startKafka({
    port,
    controllerPort,
    keepProcessAlive: true,
    onUnexpectedExit: (code, signal) => {
      // During start-up startKafka reports the failure itself, with the broker's log.
      if (!broker) return;
      console.error(`kafka:dev: the broker exited on its own (exit ${code}, signal ${signal})`);
      process.exit(1);
    },
  });
  console.log(`KAFKA_BROKERS=${broker.brokers}`);
  console.error(`kafka:dev: Kafka ${broker.version} up in ${((Date.now() - started) / 1000).toFixed(1)} s; log ${broker.logFile}; Ctrl-C to stop`);

  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.error(`kafka:dev: ${signal}, stopping the broker`);
    await broker.stop();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void shutdown(signal));
}

main().catch((error) => {
  console.error(`kafka:dev: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
