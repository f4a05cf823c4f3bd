import { COMPLEXITY_LIMIT, RATE_WINDOW_MS, REQUEST_LIMIT } from './errors.ts';
import type { RateLimitSnapshot } from './resolvers/query.ts';

/**
 * The request budget Linear reports on every answer (`x-ratelimit-requests-*`, `x-ratelimit-complexity-*`) and in
 * `rateLimitStatus`: a fixed hourly window that only counts. Nothing is refused for exceeding it; refusals are
 * injected through the faults endpoint.
 */
export class RequestWindow {
  private start: number;
  private count = 0;
  constructor(now: number) {
    this.start = now;
  }

  hit(now: number): RateLimitSnapshot {
    if (now - this.start >= RATE_WINDOW_MS) {
      this.start = now;
      this.count = 0;
    }
    this.count++;
    return this.snapshot();
  }

  snapshot(): RateLimitSnapshot {
    return {
      limit: REQUEST_LIMIT,
      remaining: Math.max(0, REQUEST_LIMIT - this.count),
      resetAtMs: this.start + RATE_WINDOW_MS,
      periodMs: RATE_WINDOW_MS,
    };
  }
}

/** Linear's rate-limit headers (https://linear.app/developers/rate-limiting); the SDK reads them on a 429. */
export function rateLimitHeaders(
  window: RateLimitSnapshot,
  limited?: { retryAfterSeconds: number; now: number },
) {
  const reset = limited ? limited.now + limited.retryAfterSeconds * 1000 : window.resetAtMs;
  return {
    ...(limited ? { 'retry-after': String(limited.retryAfterSeconds) } : {}),
    'x-ratelimit-requests-limit': String(window.limit),
    'x-ratelimit-requests-remaining': String(limited ? 0 : window.remaining),
    'x-ratelimit-requests-reset': String(reset),
    'x-ratelimit-complexity-limit': String(COMPLEXITY_LIMIT),
    'x-ratelimit-complexity-remaining': String(limited ? 0 : COMPLEXITY_LIMIT),
    'x-ratelimit-complexity-reset': String(reset),
  };
}
