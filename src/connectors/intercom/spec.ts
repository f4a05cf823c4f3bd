import type { HttpFailureRules, RateLimitResetHeader } from '../errors.ts';

/** What this connector relies on about Intercom, in one place. */
export const intercomSpec = {
  /** The API unless the source's config names a regional or test one. */
  baseUrl: 'https://api.intercom.io',
  /** The inbox of a workspace, where a conversation's link points. */
  inboxUrl: (appIdCode: string) => `https://app.intercom.com/a/inbox/${appIdCode}/inbox`,
  webhook: {
    /** `sha1=<hex HMAC-SHA1 of the raw body>` with the app's client secret. */
    signatureHeader: 'x-hub-signature',
  },
  /**
   * A 429 says when to come back in `Retry-After` (seconds) when sent, else in `X-RateLimit-Reset` (a unix time;
   * https://developers.intercom.com/docs/references/rest-api/errors/rate-limiting).
   */
  rateLimitReset: { name: 'x-ratelimit-reset', minWaitMs: 1_000 } satisfies RateLimitResetHeader,
  failures: {
    provider: 'intercom',
    label: 'Intercom',
    /** With neither header: Intercom's window is 10 s. */
    defaultRetryAfterMs: 10_000,
  } satisfies HttpFailureRules,
  pageSize: { conversations: 50 },
} as const;
