import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { PostgresEventStore } from '@app/event-store';
import { loadConfig } from '@app/platform';
import { migrate, openDatabase } from '@app/platform/database';
import { PROJECTIONS, projectionMigrations, ProjectionRebuilder } from '@app/projections';

export const PROJECTIONS_USAGE = `  ledgerctl projections rebuild [NAME]
      Replay the whole log into fresh read-model tables and swap them in (all projections, or NAME:
      ${PROJECTIONS.map((p) => p.name).join(', ')}). Safe while the ledger runs on PostgreSQL; on the embedded
      PGlite default, stop the ledger first (one process holds ./data).
`;

export async function projectionsCommand(args: string[]): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const [action, name] = positionals;
  if (action !== 'rebuild') throw new Error(`unknown projections action "${action ?? ''}"\n\n${PROJECTIONS_USAGE}`);
  const chosen = name ? PROJECTIONS.filter((p) => p.name === name) : PROJECTIONS;
  if (chosen.length === 0) throw new Error(`no projection named "${name}" (known: ${PROJECTIONS.map((p) => p.name).join(', ')})`);
  const config = loadConfig(process.env);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(db, projectionMigrations(PROJECTIONS));
    const store = await PostgresEventStore.create(db);
    const rebuilder = new ProjectionRebuilder(db, store);
    for (const projection of chosen) {
      const bar = new SingleBar({
        format: `${projection.name.padEnd(24)} {bar} {percentage}% | {events} events`,
        stream: process.stderr,
        noTTYOutput: true,
        notTTYSchedule: 2000,
      }, Presets.shades_classic);
      bar.start(100, 0, { events: 0 });
      const started = Date.now();
      const result = await rebuilder.rebuild(projection, (p) => {
        const share = p.head === 0n ? 100 : Number((p.position * 100n) / p.head);
        bar.update(Math.min(100, share), { events: p.events });
      });
      bar.update(100, { events: result.events });
      bar.stop();
      process.stdout.write(`${projection.name}: rebuilt from ${result.events} events up to position ${result.position} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    await db.close();
  }
}
