import { type CloudClient, createCloudClient, type SchemaMismatchBehavior } from 'jira.js';
import { type Client, createClient } from 'jira.js/core';

interface JiraClientOptions {
  /** The site URL, e.g. `https://acme.atlassian.net` (the emulator's URL in sandbox mode). */
  host: string;
  email: string;
  apiToken: string;
  /** jira.js response validation: `'throw'` in tests, its default `'warn'` otherwise. */
  onSchemaMismatch?: SchemaMismatchBehavior | undefined;
}

export interface JiraClient {
  /** The typed REST v3 API. */
  api: CloudClient;
  /**
   * The same transport for routes jira.js has no method for (the admin webhook registration): same auth, same typed
   * errors (`classifyJiraError` reads them all).
   */
  core: Client;
}

/**
 * jira.js 6 over basic auth (email + API token). One transport serves both surfaces. `retry` is off: a 5xx or a
 * network failure goes back to the queue, which backs off with jitter and knows about the other jobs; jira.js would
 * otherwise retry 502/503/504 on its own, hiding the failure and doubling the calls.
 */
export function createJiraClient(options: JiraClientOptions): JiraClient {
  const core = createClient({
    host: options.host,
    auth: { type: 'basic', email: options.email, apiToken: options.apiToken },
    retry: { maxAttempts: 1 },
    ...(options.onSchemaMismatch !== undefined ? { onSchemaMismatch: options.onSchemaMismatch } : {}),
  });
  return { api: createCloudClient(core), core };
}
