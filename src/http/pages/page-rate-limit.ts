import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { sendPage } from './layout.ts';

/**
 * Per-client-IP limit on the token pages: plenty for a person, a wall for anyone trying tokens in bulk. Counted in
 * Redis across API processes, falling back to memory per process when Redis is unreachable (as intake does).
 */
export function pageRateLimit({
  redis,
  prefix,
  requests = 60,
  perSeconds = 60,
}: {
  redis: Redis;
  prefix: string;
  requests?: number;
  perSeconds?: number;
}): RequestHandler {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}:ratelimit:pages`,
    points: requests,
    duration: perSeconds,
    insuranceLimiter: new RateLimiterMemory({ points: requests, duration: perSeconds }),
  });
  return async (req, res, next) => {
    try {
      await limiter.consume(req.ip ?? 'unknown');
      next();
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      res.set('Retry-After', String(Math.max(1, Math.ceil(err.msBeforeNext / 1000))));
      sendPage(res, {
        status: 429,
        title: 'Too many requests',
        body: '<div class="card"><h1>Too many requests</h1><p>Please wait a minute and try again.</p></div>',
      });
    }
  };
}
