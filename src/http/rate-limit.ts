import type { Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpProblem } from './problem.ts';

/**
 * A fixed-window limit per key, counted in Redis so it holds across API processes. If Redis is unreachable the
 * in-memory insurance limiter takes over (per process) rather than refusing everything. `limited` answers a
 * request over the limit (it may throw an HttpProblem); `allowed` may decorate the response of one under it.
 */
export function redisRateLimit({
  redis,
  prefix,
  name,
  requests,
  perSeconds,
  key,
  allowed,
  limited,
}: {
  redis: Redis;
  prefix: string;
  /** Part of the Redis key prefix: one budget per name. */
  name: string;
  requests: number;
  perSeconds: number;
  key: (req: Request) => string;
  allowed?: (res: Response, remaining: number, resetSeconds: number) => void;
  limited: (res: Response, retryAfterSeconds: string) => void;
}): RequestHandler {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}:ratelimit:${name}`,
    points: requests,
    duration: perSeconds,
    insuranceLimiter: new RateLimiterMemory({ points: requests, duration: perSeconds }),
  });
  return async (req, res, next) => {
    let result: RateLimiterRes;
    try {
      result = await limiter.consume(key(req));
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      limited(res, String(Math.max(1, Math.ceil(err.msBeforeNext / 1000))));
      return;
    }
    allowed?.(res, result.remainingPoints, Math.ceil(result.msBeforeNext / 1000));
    next();
  };
}

/** Per-API-key limit on intake, with RateLimit-* headers, and a 429 problem naming the limit when it is reached. */
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
  return redisRateLimit({
    redis,
    prefix,
    name: 'intake',
    requests,
    perSeconds,
    key: (req) => req.apiKeyId ?? req.ip ?? 'anonymous',
    allowed(res, remaining, resetSeconds) {
      res.set({
        'RateLimit-Limit': String(requests),
        'RateLimit-Remaining': String(remaining),
        'RateLimit-Reset': String(resetSeconds),
      });
    },
    limited(_res, retryAfter) {
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
    },
  });
}
