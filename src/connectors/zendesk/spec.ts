import type { HttpFailureRules } from '../errors.ts';

/** What this connector relies on about Zendesk Support, in one place. */
export const zendeskSpec = {
  /** The API of a subdomain (`baseUrl` in the source's config replaces it: tests, proxies). */
  baseUrl: (subdomain: string) => `https://${subdomain}.zendesk.com`,
  /** The incremental export allows 10 requests a minute (https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/). */
  rateLimit: { max: 10, perSeconds: 60 },
  timeoutMs: 30_000,
  /** A ticket's comments are read newest first, this many per page, at most this many pages. */
  pageSize: { comments: 100, commentPages: 5 },
  /** Zendesk sends `Retry-After` in seconds (https://developer.zendesk.com/api-reference/introduction/rate-limits/). */
  failures: {
    provider: 'zendesk',
    label: 'Zendesk',
    defaultRetryAfterMs: 60_000,
  } satisfies HttpFailureRules,
} as const;
