/** HTTP load with autocannon: a fixed number of connections for a fixed time, a fresh body per request. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<AutocannonResult>;

interface AutocannonResult {
  requests: { total: number; average: number };
  latency: Record<string, number>;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}

export interface LoadResult { perSecond: number; p50: number; p90: number; p99: number; max: number; requests: number; errors: number; non2xx: number }

export async function load(options: {
  url: string; path: string; connections: number; seconds: number; headers?: Record<string, string>; body: () => unknown;
}): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    pipelining: 1,
    headers: { 'content-type': 'application/json', ...options.headers },
    requests: [{
      method: 'POST',
      path: options.path,
      setupRequest: (request: Record<string, unknown>) => ({ ...request, body: JSON.stringify(options.body()) }),
    }],
  });
  const requests = result['2xx'];
  return {
    perSecond: requests / result.duration,
    p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max,
    requests, errors: result.errors + result.timeouts, non2xx: result.non2xx,
  };
}

/** Fails loudly when a load run was mostly errors (a broken server must not look like a slow one). */
export function assertHealthy(label: string, r: LoadResult): void {
  if (r.requests === 0 || r.non2xx + r.errors > r.requests * 0.01) {
    throw new Error(`${label}: ${r.requests} ok, ${r.non2xx} non-2xx, ${r.errors} errors`);
  }
}
