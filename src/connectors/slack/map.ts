import { firstLine } from '../../rules/intake-item.ts';
import type { IntakeItem } from '../intake-source.ts';

/** The fields of a Slack message we read (conversations.history / .replies). */
export interface SlackMessage {
  ts: string;
  text?: string | undefined;
  user?: string | undefined;
  bot_id?: string | undefined;
  subtype?: string | undefined;
  thread_ts?: string | undefined;
}

/** The fields of a Slack user we read (users.info; `profile.email` needs the `users:read.email` scope). */
export interface SlackUser {
  id: string;
  name?: string | undefined;
  real_name?: string | undefined;
  is_bot?: boolean | undefined;
  deleted?: boolean | undefined;
  profile?:
    | { email?: string | undefined; real_name?: string | undefined; display_name?: string | undefined }
    | undefined;
}

const TITLE_MAX = 120;

/** The ref of a message in a workspace: its channel and ts, so a second reaction on it is the same request. */
export function slackRef(channel: string, ts: string): string {
  return `${channel}:${ts}`;
}

/**
 * Slack's `mrkdwn` text as plain text: links as their label (or URL), channel and user mentions readable, the three
 * escaped characters back. https://api.slack.com/reference/surfaces/formatting#escaping
 */
export function slackPlainText(mrkdwn: string): string {
  return mrkdwn
    .replace(/<((?:https?|mailto):[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<((?:https?|mailto):[^>]+)>/g, '$1')
    .replace(/<#[A-Z0-9]+\|([^>]+)>/g, '#$1')
    .replace(
      /<@([A-Z0-9]+)(?:\|([^>]+))?>/g,
      (_all, id: string, label: string | undefined) => `@${label ?? id}`,
    )
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** `1712345678.123456` (seconds since the epoch, with a per-channel sequence) as an ISO time. */
function slackTsToIso(ts: string): string {
  return new Date(Math.floor(Number(ts) * 1000)).toISOString();
}

function titleOf(body: string): string {
  const first = firstLine(body);
  return first.length <= TITLE_MAX ? first : `${first.slice(0, TITLE_MAX - 1).trimEnd()}…`;
}

/**
 * A reacted message as a request from its author. Rejected (with the reason) when it has no human author, no text,
 * or the author's email is not readable. Pure.
 */
export function slackMessageToItem(input: {
  channel: string;
  message: SlackMessage;
  author: SlackUser;
  permalink: string | undefined;
}): { item: IntakeItem } | { reason: string } {
  const { channel, message, author } = input;
  if (message.bot_id !== undefined || author.is_bot) return { reason: 'the message was posted by a bot' };
  const body = slackPlainText(message.text ?? '').trim();
  if (body === '') return { reason: 'the message has no text' };
  const email = author.profile?.email?.trim();
  if (!email) return { reason: `no email for Slack user ${author.id} (the token needs users:read.email)` };
  const name = author.profile?.real_name || author.real_name || author.profile?.display_name || author.name;
  return {
    item: {
      ref: slackRef(channel, message.ts),
      title: titleOf(body),
      body,
      url: input.permalink,
      requester: { email, name: name || undefined },
      receivedAt: slackTsToIso(message.ts),
      // A message in a thread is answered in that thread; a top-level message starts one.
      thread: { channel, ts: message.ts, threadTs: message.thread_ts ?? message.ts },
    },
  };
}
