import type { JiraContext } from './context.ts';

/**
 * Admin webhooks (`/rest/webhooks/1.0/webhook`): the only kind Jira signs with a secret (`X-Hub-Signature`); the
 * dynamic `/rest/api/3/webhook` ones are for OAuth and Connect apps, unsigned, and expire after 30 days.
 * jira.js has no method for this route, so it goes through the same jira.js transport (auth and typed errors).
 * https://developer.atlassian.com/cloud/jira/platform/webhooks/#registering-a-webhook-using-the-jira-rest-api--other-integrations-
 * The API user must be a Jira administrator for this route; without it Jira answers 403 (an `auth` error).
 */

export const JIRA_WEBHOOK_EVENTS = [
  'jira:issue_created',
  'jira:issue_updated',
  'jira:issue_deleted',
  'issuelink_created',
  'issuelink_deleted',
] as const;

const ROUTE = '/rest/webhooks/1.0/webhook';

/**
 * Registers `url` unless a webhook with that url already exists (then nothing is sent, so a restart does not add a
 * second one; a changed secret or event list is not applied to it: delete that webhook in Jira to re-register).
 */
export async function registerJiraWebhook(ctx: JiraContext, url: string, secret: string): Promise<void> {
  const existing = await ctx.call(() => ctx.client.core.sendRequest<unknown>({ url: ROUTE, method: 'GET' }));
  const urls = Array.isArray(existing)
    ? existing.map((w) => (typeof w === 'object' && w !== null ? (w as { url?: unknown }).url : undefined))
    : [];
  if (urls.includes(url)) return;
  await ctx.call(() =>
    ctx.client.core.sendRequest<unknown>({
      url: ROUTE,
      method: 'POST',
      body: {
        name: 'Suggested Sync',
        url,
        events: JIRA_WEBHOOK_EVENTS,
        // Every issue: deliveries about issues we have not linked are answered 200 and ignored.
        filters: { 'issue-related-events-section': '' },
        excludeBody: false,
        secret,
      },
    }),
  );
}
