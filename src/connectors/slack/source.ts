import type { Resolved } from '../../config/sources.schema.ts';
import { slackMrkdwn } from '../../rules/notify/source-reply.ts';
import { ConnectorError, WebhookSignatureError } from '../errors.ts';
import type { IntakeSource, WebhookResult } from '../intake-source.ts';
import type { SourceDeps } from '../source-registry.ts';
import { createSlackClient, type SlackApi } from './client.ts';
import type { SlackSourceConfig } from './config.ts';
import { slackMessageToItem, slackRef } from './map.ts';
import { parseSlackEvent, verifySlackSignature } from './webhook.ts';

/**
 * Slack as an intake source: a message becomes a request when someone reacts to it with the configured emoji
 * (Events API `reaction_added`, delivered to `POST /webhooks/sources/<id>`); the request is its author's, and status
 * changes are answered in the message's thread.
 *
 * Slack has nothing to pull: reactions are pushed, and the Web API has no "reactions since" read across a workspace
 * (`reactions.list` lists one user's own reactions). So `pull` yields no page; it only checks the bot token
 * (`auth.test`), so the scheduled pull marks the source unhealthy when the token is revoked. A missed event is
 * recovered by Slack's own redelivery (https://api.slack.com/apis/events-api#retries) or by reacting again, which is
 * free (ref = channel:ts).
 */
export function createSlackSource(config: Resolved<SlackSourceConfig>, deps: SourceDeps): IntakeSource {
  const signingSecret = config.secrets['signingSecret'] ?? '';
  const api = createSlackClient({
    token: config.secrets['botToken'] ?? '',
    apiUrl: config.apiUrl,
    maxRateLimitWaitMs: config.maxRateLimitWaitSeconds * 1000,
    throttle: deps.throttle,
  });
  const log = deps.log;
  const ctx: SlackSourceContext = { config, api, log, signingSecret };

  return {
    kind: 'slack',
    id: config.id,

    async check() {
      await api.authTest();
    },

    // biome-ignore lint/correctness/useYield: Slack pushes reactions; there is nothing to pull (see above).
    async *pull() {
      await api.authTest();
    },

    parseWebhook: (headers, rawBody) => parseWebhook(ctx, headers, rawBody),

    async reply(thread, message) {
      const channel = thread.sourceThread?.['channel'];
      const threadTs = thread.sourceThread?.['threadTs'] ?? thread.sourceThread?.['ts'];
      if (typeof channel !== 'string' || typeof threadTs !== 'string') {
        throw new ConnectorError(
          'invalid_input',
          'slack',
          'the request has no Slack thread (channel and ts) to reply in',
        );
      }
      const outcome = await api.postOnce({
        channel,
        threadTs,
        text: slackMrkdwn(message.text),
        messageId: message.messageId,
      });
      if (outcome === 'already-posted')
        log.info({ sourceId: config.id, channel, threadTs }, 'slack reply was already posted');
    },
  };
}

interface SlackSourceContext {
  config: Resolved<SlackSourceConfig>;
  api: SlackApi;
  log: SourceDeps['log'];
  signingSecret: string;
}

/** The intake writer logs the reason with the ref; reasons name ids only, never message text. */
function rejected(reason: string, ref?: string): WebhookResult {
  return { kind: 'items', items: [], rejected: [{ ref, reason }] };
}

/** An Events API delivery: the URL check, or a reaction that may mark a message as a request. */
async function parseWebhook(
  ctx: SlackSourceContext,
  headers: Record<string, string | string[] | undefined>,
  rawBody: Buffer,
): Promise<WebhookResult> {
  const verdict = verifySlackSignature(headers, rawBody, ctx.signingSecret, Date.now());
  if (!verdict.ok) throw new WebhookSignatureError('slack', `Slack request refused: ${verdict.reason}`);
  const event = parseSlackEvent(rawBody);
  switch (event.type) {
    case 'url_verification':
      return { kind: 'challenge', body: { challenge: event.challenge } };
    case 'ignored':
      return { kind: 'ignored', reason: event.reason };
    case 'malformed':
      return rejected(event.reason);
    case 'reaction_added':
      break;
  }
  const { reaction, channel, ts } = event.reaction;
  if (reaction !== ctx.config.emoji)
    return { kind: 'ignored', reason: `reaction :${reaction}: is not :${ctx.config.emoji}:` };
  if (ctx.config.channels && !ctx.config.channels.includes(channel)) {
    return { kind: 'ignored', reason: `channel ${channel} is not one of the configured channels` };
  }
  const ref = slackRef(channel, ts);
  // Our bot token refused here fails the delivery (503) so Slack redelivers; the next scheduled pull
  // (auth.test) marks the source unhealthy.
  const message = await ctx.api.message(channel, ts);
  if (!message)
    return rejected(`message ${ref} was not found (deleted, or the app is not in the channel)`, ref);
  if (!message.user) return rejected(`message ${ref} has no human author`, ref);
  const [author, permalink] = await Promise.all([
    ctx.api.user(message.user),
    ctx.api.permalink(channel, message.ts),
  ]);
  const mapped = slackMessageToItem({ channel, message, author, permalink });
  if ('reason' in mapped) return rejected(`message ${ref}: ${mapped.reason}`, ref);
  ctx.log.info({ sourceId: ctx.config.id, ref }, 'slack message marked as a request');
  return { kind: 'items', items: [mapped.item], rejected: [] };
}
