import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLedger, type TestLedger } from '../../../test/support/ledger';
import { scrubCommand } from '../src/commands/scrub';

/** `ledgerctl scrub FILE` streams a list through a running ledger and writes the answer. */
describe('ledgerctl scrub', () => {
  let ledger: TestLedger;
  let dir: string;

  beforeAll(async () => {
    ledger = await startLedger();
    await ledger.app.listen({ port: 0, host: '127.0.0.1' });
    dir = await mkdtemp(join(tmpdir(), 'ledgerctl-scrub-'));
  });
  afterAll(async () => {
    await ledger.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers every line of a CSV file in order, and refuses without a token', async () => {
    const token = await ledger.token('acme', ['eligibility:check']);
    const { port } = ledger.app.getHttpServer().address() as AddressInfo;
    const input = join(dir, 'list.csv');
    const output = join(dir, 'answers.csv');
    await writeFile(input, ['subjectId,email', ...Array.from({ length: 2500 }, (_, i) => `p-${i},p${i}@example.com`)].join('\n'));
    await scrubCommand([input, '--channel', 'email', '--purpose', 'treatment', '--url', `http://127.0.0.1:${port}`, '--token', token, '--out', output]);
    const lines = (await readFile(output, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('subjectId,email,decision,reasons');
    expect(lines).toHaveLength(2501);
    expect(lines[2500]).toBe('p-2499,p2499@example.com,ALLOW,TREATMENT_EXEMPT');
    await expect(scrubCommand([input, '--channel', 'email', '--purpose', 'treatment', '--url', `http://127.0.0.1:${port}`, '--token', 'not-a-token', '--out', output]))
      .rejects.toThrow(/401/);
  });
});
