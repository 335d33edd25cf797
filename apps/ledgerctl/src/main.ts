import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@app/platform';
import { issueToken, KeySet, SCOPES } from '@app/security';

const USAGE = `ledgerctl — operate a Consent Ledger

  ledgerctl token --tenant T --scopes s1,s2 [--subject ID] [--ttl 1h]
      Print a JWT signed with the embedded key set (LEDGER_DATA_DIR/keys).
      Scopes: ${SCOPES.join(', ')}
`;

export function parseTtl(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value);
  if (!match) throw new Error(`--ttl must look like 3600, 90s, 30m, 1h or 7d, got "${value}"`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

async function token(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      tenant: { type: 'string' },
      scopes: { type: 'string' },
      subject: { type: 'string' },
      ttl: { type: 'string', default: '1h' },
      actor: { type: 'string', default: 'ledgerctl' },
    },
  });
  if (!values.tenant || !/^[A-Za-z0-9._-]{1,64}$/.test(values.tenant)) throw new Error('--tenant is required (1-64 characters of A-Z a-z 0-9 . _ -)');
  const scopes = (values.scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || unknown.length > 0) throw new Error(`--scopes must list some of ${SCOPES.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  const config = loadConfig(process.env);
  const keys = await KeySet.loadOrCreate(join(config.dataDir, 'keys'));
  process.stdout.write(`${await issueToken(keys, {
    tenant: values.tenant, scopes, subject: values.subject, ttlSeconds: parseTtl(values.ttl!), actor: values.actor,
  })}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'token':
      return token(rest);
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return;
    default:
      throw new Error(`unknown command "${command}"\n\n${USAGE}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`ledgerctl: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
