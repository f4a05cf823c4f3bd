import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpProblem } from './problem.ts';

/**
 * Per-API-key limit on intake, counted in Redis so it holds across API processes. If Redis is unreachable the
 * in-memory insurance limiter takes over (per process) rather than refusing intake.
 */
export function intakeRateLimit({
  redis,
  prefix,
  requests,
  perSeconds,
}: {
  redis: Redis;
  prefix: string;
  requests: number;
  perSeconds: number;
}): RequestHandler {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}:ratelimit:intake`,
    points: requests,
    duration: perSeconds,
    insuranceLimiter: new RateLimiterMemory({ points: requests, duration: perSeconds }),
  });
  return async (req, res, next) => {
    const key = req.apiKeyId ?? req.ip ?? 'anonymous';
    try {
      const result = await limiter.consume(key);
      res.set({
        'RateLimit-Limit': String(requests),
        'RateLimit-Remaining': String(result.remainingPoints),
        'RateLimit-Reset': String(Math.ceil(result.msBeforeNext / 1000)),
      });
      next();
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfter = String(Math.max(1, Math.ceil(err.msBeforeNext / 1000)));
      throw new HttpProblem(
        429,
        'rate-limited',
        'Too many requests',
        `this API key may send ${requests} requests per ${perSeconds} s; retry after ${retryAfter} s`,
        {},
        {
          'Retry-After': retryAfter,
          'RateLimit-Limit': String(requests),
          'RateLimit-Remaining': '0',
          'RateLimit-Reset': retryAfter,
        },
      );
    }
  };
}
