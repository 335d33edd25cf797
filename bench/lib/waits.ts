import { Client } from 'pg';

export interface WaitSample { what: string; percent: number }

/**
 * Samples what the database's active backends are doing (pg_stat_activity: the wait event, or CPU, and the
 * statement) every `everyMs` until stopped: where time goes inside PostgreSQL while a load runs.
 */
export async function sampleWaits(url: string, everyMs = 20): Promise<{ stop(): Promise<WaitSample[]> }> {
  const client = new Client({ connectionString: url, application_name: 'bench-waits' });
  await client.connect();
  const counts = new Map<string, number>();
  let total = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<{ w: string | null; q: string }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS w, regexp_replace(left(query, 70), '\\s+', ' ', 'g') AS q
           FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
             AND application_name <> 'bench-waits'`);
      for (const row of rows) {
        const key = `${row.w} — ${row.q}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        total++;
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop.catch(() => undefined);
      await client.end();
      return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)
        .map(([what, n]) => ({ what, percent: Math.round((n / Math.max(1, total)) * 1000) / 10 }));
    },
  };
}
