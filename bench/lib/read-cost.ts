/**
 * What one read-model lookup costs the database, measured rather than guessed: the sizes of the tables a check reads
 * beside the naive baseline's, shared_buffers, and — from EXPLAIN (ANALYZE, BUFFERS) with track_io_timing on — how
 * many buffers a batch of 1,000 random subjects touches, how many of them had to be read in, and what each read took.
 */
import { PgDatabase } from '@app/platform/database';
import { subjectStreamId } from '@app/domain';
import { median } from './harness';
import { SEED_TENANT } from './seed';

export interface ReadCost {
  sharedBuffersMiB: number;
  /** Heap and indexes, MiB. */
  tables: Record<string, number>;
  /** Per subject of a 1,000-subject batch, median of the probes. */
  buffersPerSubject: number;
  readsPerSubject: number;
  /** Microseconds per buffer read in (from the OS page cache or the disk). */
  microsPerRead: number;
}

type Plan = { Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number; 'I/O Read Time'?: number } };

export async function readCost(url: string, subjects: number, probes = 5): Promise<ReadCost> {
  const db = new PgDatabase(url, { max: 1 });
  try {
    const tables: Record<string, number> = {};
    for (const table of ['rm_subject_views', 'rm_contact_views', 'rm_subject_states', 'naive_authorizations']) {
      const [row] = await db.query<{ bytes: string | null }>('SELECT pg_total_relation_size(to_regclass($1))::text AS bytes', [table]);
      if (row?.bytes) tables[table] = Number(row.bytes) / 1_048_576;
    }
    const [buffers] = await db.query<{ mib: string }>("SELECT (setting::bigint * 8192 / 1048576)::text AS mib FROM pg_settings WHERE name = 'shared_buffers'");
    const perSubject: number[] = [];
    const reads: number[] = [];
    const micros: number[] = [];
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL track_io_timing = on');
      for (let i = 0; i < probes; i++) {
        const ids = Array.from({ length: 1000 }, () => subjectStreamId(SEED_TENANT, `s${1 + Math.floor(Math.random() * subjects)}`));
        const [row] = await tx.query<{ 'QUERY PLAN': Plan[] }>(
          `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT view, linked FROM rm_subject_views WHERE stream_id = ANY('${`{${ids.join(',')}}`}'::text[])`);
        const plan = row['QUERY PLAN'][0].Plan;
        const hit = plan['Shared Hit Blocks'];
        const read = plan['Shared Read Blocks'];
        perSubject.push((hit + read) / ids.length);
        reads.push(read / ids.length);
        if (read > 0 && plan['I/O Read Time'] !== undefined) micros.push((plan['I/O Read Time'] * 1000) / read);
      }
    });
    return {
      sharedBuffersMiB: Number(buffers.mib), tables,
      buffersPerSubject: median(perSubject), readsPerSubject: median(reads), microsPerRead: median(micros),
    };
  } finally {
    await db.close();
  }
}

/** One sentence for the report: where the lookup's time goes in the database. */
export function describeReadCost(c: ReadCost | undefined): string {
  if (!c) return '';
  const num = (n: number | null, digits: number) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
  const mib = (n: number | undefined) => (n === undefined ? 'n/a' : `${Math.round(n).toLocaleString('en-US')} MiB`);
  const naive = c.tables.naive_authorizations === undefined ? '' : `; the naive table ${mib(c.tables.naive_authorizations)}`;
  return `The policy views of the subjects take ${mib(c.tables.rm_subject_views)} with their index (the full states ` +
    `${mib(c.tables.rm_subject_states)}${naive}), against shared_buffers of ` +
    `${mib(c.sharedBuffersMiB)}: a lookup of a random subject touches ${num(c.buffersPerSubject, 1)} buffers and reads ` +
    (Number.isFinite(c.microsPerRead) && c.microsPerRead !== null
      ? `${num(c.readsPerSubject, 2)} of them in, at ${num(c.microsPerRead, 0)} µs per read on this VM (measured with track_io_timing: ` +
        'each read is a system call, and this VM\'s kernel pages out memory left untouched for a while (DAMON pageout), so some reads wait for the disk).'
      : 'none of them in (every page was in shared_buffers).');
}
