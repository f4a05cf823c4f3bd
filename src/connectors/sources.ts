import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { ResolvedSourceConfig } from '../config/sources.schema.ts';
import type { Logger } from '../log.ts';
import { createEmailInboxSource } from './email-inbox/source.ts';
import { createIntercomSource } from './intercom/source.ts';
import { createSlackSource } from './slack/source.ts';
import type { IntakeSource } from './source.ts';
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

/** A per-source limiter: waits instead of failing when the budget is spent. */
export function createThrottle(rateLimit: { requests: number; perSeconds: number }): () => Promise<void> {
  const limiter = new RateLimiterMemory({ points: rateLimit.requests, duration: rateLimit.perSeconds });
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

/** Builds every enabled configured source. */
export function createSources(configs: ResolvedSourceConfig[], deps: SourceDeps): Sources {
  const entries = configs
    .filter((c) => c.enabled)
    .map((c) => {
      const factory = FACTORIES[c.kind] as (config: ResolvedSourceConfig, deps: SourceDeps) => IntakeSource;
      const throttle = createThrottle(c.rateLimit);
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
