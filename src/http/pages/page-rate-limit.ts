import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { redisRateLimit } from '../rate-limit.ts';
import { sendCustomerPage } from './customer-page.ts';

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
  return redisRateLimit({
    redis,
    prefix,
    name: 'pages',
    requests,
    perSeconds,
    key: (req) => req.ip ?? 'unknown',
    limited(res, retryAfter) {
      res.set('Retry-After', retryAfter);
      sendCustomerPage(res, 'too-many-requests', {}, { status: 429 });
    },
  });
}
