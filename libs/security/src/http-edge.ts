import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenVerifier } from './tokens';

export interface EdgeProtectionOptions {
  /** Requests per client per window (RATE_LIMIT_MAX). */
  max: number;
  windowMs: number;
  verifier: TokenVerifier;
  /** The error to throw for a client over its limit (the app's problem+json 429 with Retry-After). */
  tooManyRequests: (detail: string, retryAfterSeconds: number) => Error;
}

/** Verified bearer tokens → rate-limit key, so that a token is verified once for the limiter, not per request. */
const KEY_CACHE_LIMIT = 10_000;

/** Security headers for the hosted HTML pages: no framing, no third-party anything, forms post only to the ledger. */
export const HOSTED_PAGE_HEADERS = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"], baseUri: ["'self'"], formAction: ["'self'"], frameAncestors: ["'none'"], imgSrc: ["'self'", 'data:'],
      objectSrc: ["'none'"], scriptSrc: ["'self'"], scriptSrcAttr: ["'none'"], styleSrc: ["'self'", "'unsafe-inline'"],
    },
  },
  frameguard: { action: 'deny' as const },
  referrerPolicy: { policy: 'no-referrer' as const },
};

/**
 * The ledger's HTTP edge: a rate limit on every route, per client (a verified token's tenant and `sub`; otherwise the
 * IP address), answering 429 problem+json with Retry-After; and security headers (helmet) on every HTML page, the
 * API documentation excepted (its UI needs inline script).
 */
export async function registerEdgeProtection(fastify: FastifyInstance, options: EdgeProtectionOptions): Promise<void> {
  const keys = new Map<string, string>();
  const clientKey = async (request: FastifyRequest): Promise<string> => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) return `ip:${request.ip}`;
    const cached = keys.get(match[1]);
    if (cached) return cached;
    try {
      const principal = await options.verifier.verify(match[1]);
      const key = `client:${principal.tenantId}:${principal.actor}`;
      if (keys.size >= KEY_CACHE_LIMIT) keys.clear();
      keys.set(match[1], key);
      return key;
    } catch {
      // A token that does not verify buys no bucket of its own.
      return `ip:${request.ip}`;
    }
  };
  await fastify.register(rateLimit, {
    global: true,
    max: options.max,
    timeWindow: options.windowMs,
    keyGenerator: clientKey,
    // Thrown from the limiter's hook; the application's error handling turns it into problem+json.
    errorResponseBuilder: (_request, context) => options.tooManyRequests(
      `This client sent more than ${context.max} requests in ${Math.round(options.windowMs / 1000)} s; retry in ${context.after}.`,
      Math.max(1, Math.ceil(context.ttl / 1000)),
    ),
  });

  await fastify.register(helmet, { global: false, ...HOSTED_PAGE_HEADERS });
  fastify.addHook('onSend', async (request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html') && !request.url.startsWith('/docs')) reply.helmet();
    return payload;
  });
}
