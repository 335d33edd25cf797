import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '../../../..');
const BUF = join(ROOT, 'node_modules/.bin/buf');

async function buf(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(BUF, args, { cwd: ROOT });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

/** proto/ is a contract: it lints, it does not break the committed baseline, and the TypeScript is generated from it. */
describe('proto/consent/v1', () => {
  it('passes buf lint (STANDARD)', async () => {
    expect(await buf('lint', 'proto')).toEqual({ code: 0, output: '' });
  });

  it('makes no breaking change against the committed baseline image (proto/baseline.binpb)', async () => {
    expect(await buf('breaking', 'proto', '--against', 'proto/baseline.binpb')).toEqual({ code: 0, output: '' });
  });

  it('the committed TypeScript is what buf generate makes from the protos', async () => {
    const out = await mkdtemp(join(tmpdir(), 'proto-gen-'));
    try {
      const template = JSON.stringify({
        version: 'v2',
        plugins: [{ local: join(ROOT, 'node_modules/.bin/protoc-gen-es'), out, opt: ['target=ts', 'import_extension=none'] }],
        inputs: [{ directory: 'proto', exclude_paths: ['proto/consent/v1/events.proto'] }],
      });
      expect(await buf('generate', '--template', template)).toEqual({ code: 0, output: '' });
      const committed = join(ROOT, 'apps/ledger-api/src/grpc/gen');
      expect(await files(out)).toEqual(await files(committed));
      for (const file of await files(out)) {
        expect({ file, text: await readFile(join(committed, file), 'utf8') }).toEqual({ file, text: await readFile(join(out, file), 'utf8') });
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
