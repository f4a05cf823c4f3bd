import type { HttpFailureRules } from '../errors.ts';

/**
 * What this connector relies on about Linear, in one place: its hosts, webhook headers, the environment variables
 * of the single-workspace setup, its rate limits and the page sizes we ask for. Its errors are GraphQL errors,
 * classified by their `extensions.type` in errors.ts.
 */
export const linearSpec = {
  /** The GraphQL endpoint the SDK calls unless given another (https://linear.app/developers/graphql). */
  apiUrl: 'https://api.linear.app/graphql',
  /** Where issue links point: `https://linear.app/<workspace>/issue/ENG-123`. */
  appHosts: ['linear.app'],
  webhook: {
    /** Unique per delivery; a redelivery carries the same one. */
    deliveryHeader: 'linear-delivery',
    /** Hex HMAC-SHA256 of the raw body, no prefix. */
    signatureHeader: 'linear-signature',
    /** A delivery whose `webhookTimestamp` is further than this from now is refused (replay). */
    timestampToleranceMs: 60_000,
  },
  /** The single-workspace variables (a `trackers.linear[]` entry names its own). */
  env: { apiKey: 'LINEAR_API_KEY', apiUrl: 'LINEAR_API_URL', webhookSecret: 'LINEAR_WEBHOOK_SECRET' },
  /** Default budget of a workspace's queue: Linear's is per hour; spread it (e.g. 2,500/h ≈ 40/min). */
  rateLimit: { max: 40, perSeconds: 60 },
  failures: {
    provider: 'linear',
    label: 'Linear',
    /** Without a `Retry-After`: its buckets refill over an hour, a minute is a fair slice. */
    defaultRetryAfterMs: 60_000,
  } satisfies HttpFailureRules,
  pageSize: {
    changes: 50,
    backlog: 50,
    /** Issue ids per `id: { in: … }` filter. */
    idsPerQuery: 100,
    /** Customer mutations per call: far below Linear's per-query complexity limit. */
    customerBatch: 25,
  },
} as const;
