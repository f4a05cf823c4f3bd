import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { ResolvedSourceConfig } from '../config/sources.schema.ts';
import type { Logger } from '../log.ts';
import type { IntakeSource } from './intake-source.ts';

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

type Kind = ResolvedSourceConfig['kind'];
type Factory<K extends Kind> = (
  config: Extract<ResolvedSourceConfig, { kind: K }>,
  deps: SourceDeps,
) => IntakeSource;

/**
 * kind → its factory, loaded on first use: a process loads only the connectors (and their SDKs, several MB of
 * memory each) of the kinds configured. A new kind adds one line here and one in `src/config/sources.schema.ts`.
 */
const FACTORIES: { [K in Kind]: () => Promise<Factory<K>> } = {
  zendesk: async () => (await import('./zendesk/source.ts')).createZendeskSource,
  intercom: async () => (await import('./intercom/source.ts')).createIntercomSource,
  slack: async () => (await import('./slack/source.ts')).createSlackSource,
  'email-inbox': async () => (await import('./email-inbox/source.ts')).createEmailInboxSource,
};

/** The factories of the kinds among `configs`, each loaded once. */
async function loadFactories(configs: ResolvedSourceConfig[]): Promise<Map<Kind, Factory<Kind>>> {
  const kinds = [...new Set(configs.map((c) => c.kind))];
  const loaded = await Promise.all(kinds.map((kind) => FACTORIES[kind]() as Promise<Factory<Kind>>));
  return new Map(kinds.map((kind, i) => [kind, loaded[i] as Factory<Kind>]));
}

export interface Sources {
  get(id: string): IntakeSource | undefined;
  /** Every enabled source. */
  all(): IntakeSource[];
  /** The config of an enabled source (schedule, rate limit, lag window, reply-back policy). */
  config(id: string): ResolvedSourceConfig | undefined;
}

/** Builds every enabled configured source; `shared`: their rate limits are kept in Redis (the service). */
export async function createSources(
  configs: ResolvedSourceConfig[],
  deps: SourceDeps,
  shared?: SharedBudget,
): Promise<Sources> {
  const enabled = configs.filter((c) => c.enabled);
  const factories = await loadFactories(enabled);
  const entries = enabled.map((c) => {
    const factory = factories.get(c.kind) as (config: ResolvedSourceConfig, deps: SourceDeps) => IntakeSource;
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
