import type { HttpFailureRules } from '../errors.ts';

/**
 * What this connector relies on about Jira Cloud, in one place: its webhook headers, the environment variables of
 * the single-site setup, its rate limits and how a failure reads, and the page sizes we ask for.
 */
export const jiraSpec = {
  webhook: {
    /** Unique per delivery; a redelivery carries the same one. */
    deliveryHeader: 'x-atlassian-webhook-identifier',
    /** `sha256=<hex HMAC-SHA256(secret, raw body)>`. */
    signatureHeader: 'x-hub-signature',
  },
  /** The single-site variables (a `trackers.jira[]` entry names its own). */
  env: {
    host: 'JIRA_HOST',
    email: 'JIRA_EMAIL',
    apiToken: 'JIRA_API_TOKEN',
    webhookSecret: 'JIRA_WEBHOOK_SECRET',
  },
  /** Default burst limit of a site's queue (Jira's per-second burst limits; API-token traffic has no hourly quota). */
  rateLimit: { max: 10, perSeconds: 1 },
  /** Jira's status codes: https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#status-codes */
  failures: {
    provider: 'jira',
    label: 'Jira',
    /** A 429 without `Retry-After` (rare: the burst limiter always sends it). */
    defaultRetryAfterMs: 60_000,
  } satisfies HttpFailureRules,
  pageSize: {
    /** Issues per page of changed issues, and issue keys per query asking for them. */
    changes: 100,
    changedKeysPerQuery: 100,
    backlog: 100,
    /** Issues per page of the search for an unrecorded create (the project's issues created since the attempt). */
    search: 100,
  },
  /** Jira's summary limit (https://support.atlassian.com/jira-cloud-administration/docs/what-are-the-field-limits/). */
  summaryMaxLength: 255,
} as const;
