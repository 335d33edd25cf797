import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';

export const SCRUB_USAGE = `  ledgerctl scrub FILE --channel email (--purpose marketing | --category C [--remuneration R]) [--out FILE]
                  [--url http://127.0.0.1:3000] [--token JWT]
      Stream a CSV (.csv) or NDJSON (.ndjson) list through POST /v1/eligibility/scrub of a running ledger,
      writing the answer (same format) to --out or standard output; progress on standard error.
      The token comes from --token or LEDGER_TOKEN.
`;

export async function scrubCommand(args: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      channel: { type: 'string' }, purpose: { type: 'string' }, category: { type: 'string' }, remuneration: { type: 'string' },
      out: { type: 'string' }, url: { type: 'string', default: 'http://127.0.0.1:3000' }, token: { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file) throw new Error(`a FILE is required\n\n${SCRUB_USAGE}`);
  if (!values.channel || (!values.purpose && !values.category)) throw new Error(`--channel and --purpose (or --category) are required\n\n${SCRUB_USAGE}`);
  const token = values.token ?? process.env.LEDGER_TOKEN;
  if (!token) throw new Error('a token is required: --token or LEDGER_TOKEN (npm run --silent ledgerctl -- token ...)');
  const contentType = /\.(ndjson|jsonl)$/i.test(file) ? 'application/x-ndjson' : 'text/csv';
  const query = new URLSearchParams({ channel: values.channel });
  if (values.purpose) query.set('purpose', values.purpose);
  if (values.category) query.set('category', values.category);
  if (values.remuneration) query.set('thirdPartyRemuneration', values.remuneration);
  const url = new URL(`/v1/eligibility/scrub?${query}`, values.url);
  const size = (await stat(file)).size;

  const bar = new SingleBar({ format: 'scrub {bar} {percentage}% | {value}/{total} bytes sent | {lines} lines answered', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 2000 }, Presets.shades_classic);
  bar.start(size, 0, { lines: 0 });
  let sent = 0;
  let answered = 0;
  const send = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType, accept: contentType, te: 'trailers' },
  });
  const response = new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    send.on('response', resolve);
    send.on('error', reject);
  });
  const upload = pipeline(createReadStream(file), new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      bar.update(sent, { lines: answered });
      done(null, chunk);
    },
  }), send);
  const res = await response;
  if (res.statusCode !== 200) {
    let body = '';
    for await (const chunk of res) body += chunk;
    bar.stop();
    throw new Error(`the ledger answered ${res.statusCode}: ${body}`);
  }
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (const byte of chunk) if (byte === 10) answered++;
      bar.update(sent, { lines: answered });
      done(null, chunk);
    },
  });
  await Promise.all([upload, pipeline(res, counter, values.out ? createWriteStream(values.out) : process.stdout)]);
  bar.stop();
  const summary = res.trailers['x-scrub-summary'];
  if (summary) process.stderr.write(`summary: ${summary}\n`);
}
