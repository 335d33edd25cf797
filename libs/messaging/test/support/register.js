/**
 * `node -r libs/messaging/test/support/register.js apps/ledger-worker/src/main.ts`: runs the TypeScript sources of
 * the repository without a build (the Kafka crash test runs the relay as a real process it can SIGKILL). Each .ts file
 * is compiled on load with @swc/core (a dev dependency), with Nest's decorator metadata; `@app/<lib>` resolves to
 * libs/<lib>/src as in tsconfig.json. Type errors elsewhere in the tree do not stop it.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '..', '..', '..', '..');
const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const match = /^@app\/([a-z-]+)(\/.*)?$/.exec(request);
  if (match) request = path.join(root, 'libs', match[1], 'src', match[2] ?? '');
  return resolve.call(this, request, parent, ...rest);
};
