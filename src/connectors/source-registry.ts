import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { ResolvedSourceConfig } from '../config/sources.schema.ts';
import type { Logger } from '../log.ts';
import { createEmailInboxSource } from './email-inbox/source.ts';
import type { IntakeSource } from './intake-source.ts';
import { createIntercomSource } from './intercom/source.ts';
import { createSlackSource } from './slack/source.ts';
import { createZendeskSource } from './zendesk/source.ts';

/** What every source factory may use besides its own config. */
export interface SourceDeps {
  log: Logger;
  /**
   * Resolves when this source may make one more request to its provider (the source's `rateLimit`); call it
   * before each HTTP call. Given by the registry; a factory called directly (tests) may leave it out.
   */
  throttle?: (() => Promise<void>) | undefined;
}

/** Where the per-source budgets are kept so every process spends the same one: the service's Redis and prefix. */
interface SharedBudget {
  redis: Redis;
  prefix: string;
}

/** A source's budget key (rate-limiter-flexible adds `:source`). */
export const throttleKeyPrefix = (prefix: string, sourceId: string) => `${prefix}:source-rate:${sourceId}`;

/**
 * A per-source limiter: waits instead of failing when the budget is spent. With `shared`, the budget is kept in
 * Redis, so N worker processes together make at most the configured rate, not N times it; without (the doctor, a
 * factory built by hand), in this process.
 */
export function createThrottle(
  rateLimit: { requests: number; perSeconds: number },
  shared?: SharedBudget & { sourceId: string },
): () => Promise<void> {
  const options = { points: rateLimit.requests, duration: rateLimit.perSeconds };
  const limiter = shared
    ? new RateLimiterRedis({
        ...options,
        storeClient: shared.redis,
        keyPrefix: throttleKeyPrefix(shared.prefix, shared.sourceId),
      })
    : new RateLimiterMemory(options);
  return async () => {
    for (;;) {
      try {
        await limiter.consume('source');
        return;
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res;
        await sleep(Math.max(1, res.msBeforeNext));
      }
    }
  };
}

type Factories = {
  [K in ResolvedSourceConfig['kind']]: (
    config: Extract<ResolvedSourceConfig, { kind: K }>,
    deps: SourceDeps,
  ) => IntakeSource;
};

/** kind → factory. A new kind adds one line here and one in `src/config/sources.schema.ts`. */
const FACTORIES: Factories = {
  zendesk: createZendeskSource,
  intercom: createIntercomSource,
  slack: createSlackSource,
  'email-inbox': createEmailInboxSource,
};

export interface Sources {
  get(id: string): IntakeSource | undefined;
  /** Every enabled source. */
  all(): IntakeSource[];
  /** The config of an enabled source (schedule, rate limit, lag window, reply-back policy). */
  config(id: string): ResolvedSourceConfig | undefined;
}

/** Builds every enabled configured source; `shared`: their rate limits are kept in Redis (the service). */
export function createSources(
  configs: ResolvedSourceConfig[],
  deps: SourceDeps,
  shared?: SharedBudget,
): Sources {
  const entries = configs
    .filter((c) => c.enabled)
    .map((c) => {
      const factory = FACTORIES[c.kind] as (config: ResolvedSourceConfig, deps: SourceDeps) => IntakeSource;
      const throttle = createThrottle(c.rateLimit, shared && { ...shared, sourceId: c.id });
      return {
        config: c,
        source: factory(c, { ...deps, throttle, log: deps.log.child({ sourceId: c.id }) }),
      };
    });
  return {
    get: (id) => entries.find((e) => e.config.id === id)?.source,
    all: () => entries.map((e) => e.source),
    config: (id) => entries.find((e) => e.config.id === id)?.config,
  };
}
