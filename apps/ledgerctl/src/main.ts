import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { PostgresEventStore } from '@app/event-store';
import { ConfigError, loadConfig } from '@app/platform';
import { openDatabase } from '@app/platform/database';
import { issueToken, KeySet, SCOPES } from '@app/security';
import { buildEvidenceBundle, verifyEvidenceBundle } from '../../ledger-api/src/audit/export/evidence-bundle';
import { projectionsCommand, PROJECTIONS_USAGE } from './commands/projections';
import { scrubCommand, SCRUB_USAGE } from './commands/scrub';

const USAGE = `ledgerctl — operate a Consent Ledger

  ledgerctl token --tenant T --scopes s1,s2 [--subject ID] [--ttl 1h]
      Print a JWT signed with the embedded key set (LEDGER_DATA_DIR/keys).
      Scopes: ${SCOPES.join(', ')}

  ledgerctl keys rotate
      Add a new embedded signing key; older public keys keep verifying what they signed.

  ledgerctl audit export --tenant T --subject ID [--out FILE]
  ledgerctl audit verify --bundle FILE [--jwks FILE]
      Export a subject's evidence bundle, or verify one offline.

  ledgerctl migrate-events --from postgres|eventstoredb --to eventstoredb|postgres
      Copy the log between event stores, in order, keeping ids (see docs/operations.md).

${PROJECTIONS_USAGE}
${SCRUB_USAGE}`;

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

export async function keysRotate(): Promise<string> {
  const config = loadConfig(process.env);
  const keys = await KeySet.loadOrCreate(join(config.dataDir, 'keys'));
  const kid = await keys.rotate();
  process.stdout.write(`new signing key ${kid}; verification keys: ${keys.kids.join(', ')}\n`);
  return kid;
}

export async function auditExport(args: string[]): Promise<string> {
  const { values } = parseArgs({ args, options: { tenant: { type: 'string' }, subject: { type: 'string' }, out: { type: 'string' } } });
  if (!values.tenant || !/^[A-Za-z0-9._-]{1,64}$/.test(values.tenant)) throw new Error('--tenant is required');
  if (!values.subject || !/^[A-Za-z0-9._-]{1,128}$/.test(values.subject)) throw new Error('--subject is required');
  const config = loadConfig(process.env);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const store = await PostgresEventStore.create(db);
    const keys = await KeySet.loadOrCreate(join(config.dataDir, 'keys'));
    const bundle = await buildEvidenceBundle({ store, db, keys, now: new Date() }, values.tenant, values.subject);
    if (!bundle) throw new Error(`tenant ${values.tenant} has no subject ${values.subject}`);
    const out = values.out ?? `evidence-${values.tenant}-${values.subject}.zip`;
    await writeFile(out, bundle.zip, { mode: 0o600 });
    process.stdout.write(`${out}: ${bundle.manifest.files.length} files, ${bundle.manifest.streams.length} streams, position ${bundle.manifest.position}\n`);
    return out;
  } finally {
    await db.close();
  }
}

/** Offline: needs no database and no configuration. Answers whether the bundle verified. */
export async function auditVerify(args: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<boolean> {
  const { values } = parseArgs({ args, options: { bundle: { type: 'string' }, jwks: { type: 'string' } } });
  if (!values.bundle) throw new Error('--bundle FILE is required');
  const jwks = values.jwks ? JSON.parse(await readFile(values.jwks, 'utf8')) : undefined;
  const result = await verifyEvidenceBundle(new Uint8Array(await readFile(values.bundle)), { jwks });
  for (const line of result.passed) out(`ok    ${line}`);
  for (const line of result.failures) out(`FAIL  ${line}`);
  out(result.ok
    ? `bundle verified: tenant ${result.manifest?.tenantId}, subject ${result.manifest?.subjectId}, signed by ${result.kid}${values.jwks ? ' (pinned JWKS)' : ' (JWKS in the bundle: compare it with the ledger\'s published keys)'}`
    : 'bundle FAILED verification');
  return result.ok;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'token':
      return token(rest);
    case 'keys':
      if (rest[0] !== 'rotate') throw new Error(`unknown keys command "${rest[0] ?? ''}"\n\n${USAGE}`);
      await keysRotate();
      return;
    case 'audit':
      if (rest[0] === 'export') {
        await auditExport(rest.slice(1));
        return;
      }
      if (rest[0] === 'verify') {
        if (!(await auditVerify(rest.slice(1)))) process.exitCode = 1;
        return;
      }
      throw new Error(`unknown audit command "${rest[0] ?? ''}"\n\n${USAGE}`);
    case 'projections':
      return projectionsCommand(rest);
    case 'scrub':
      return scrubCommand(rest);
    case 'migrate-events': return (await import('./commands/migrate-events')).migrateEventsCommand(rest);
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
