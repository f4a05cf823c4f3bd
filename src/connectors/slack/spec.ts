import type { ConnectorErrorKind, HttpFailureRules } from '../errors.ts';

/**
 * What this connector relies on about Slack, in one place: its Events API headers, its rate-limit handling, what
 * its error codes mean, and the page sizes we ask for.
 */
export const slackSpec = {
  webhook: {
    /** `v0=<hex HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + raw body)>`. */
    signatureHeader: 'x-slack-signature',
    timestampHeader: 'x-slack-request-timestamp',
    /** Slack's own window: a request signed more than five minutes from now is refused (replay protection). */
    maxSignatureAgeSeconds: 5 * 60,
  },
  /** A 429 whose Retry-After is at most this long is waited out in the call (the source's default). */
  maxRateLimitWaitSeconds: 5,
  /** Times a short 429 is waited out before the call fails as rate limited. */
  rateLimitRetries: 2,
  /** The WebClient's own retries of network errors and 5xx answers, and its timeout. */
  retries: 2,
  timeoutMs: 10_000,
  /** HTTP answers: a 404 or a 429 the SDK did not read as a rate limit is a call that would fail again. */
  failures: {
    provider: 'slack',
    label: 'Slack',
    statusKinds: { 404: 'invalid_input', 429: 'invalid_input' },
    defaultRetryAfterMs: 60_000,
    detailSeparator: ' ',
  } satisfies HttpFailureRules,
  /**
   * Slack's `ok: false` error codes by what we do about them (https://api.slack.com/web#errors; each method's page
   * lists its own). Codes not listed are `invalid_input`: the same call would fail again.
   */
  platformErrors: {
    invalid_auth: 'auth',
    not_authed: 'auth',
    account_inactive: 'auth',
    token_revoked: 'auth',
    token_expired: 'auth',
    missing_scope: 'auth',
    not_allowed_token_type: 'auth',
    no_permission: 'auth',
    ratelimited: 'rate_limited',
    channel_not_found: 'not_found',
    message_not_found: 'not_found',
    thread_not_found: 'not_found',
    user_not_found: 'not_found',
    not_in_channel: 'config',
    is_archived: 'config',
    internal_error: 'transient',
    fatal_error: 'transient',
    service_unavailable: 'transient',
    request_timeout: 'transient',
  } as Readonly<Record<string, ConnectorErrorKind>>,
  pageSize: {
    /** Thread messages per page read to find an earlier copy of a reply, and the pages read at most. */
    thread: 200,
    threadPages: 5,
  },
} as const;
