import type { FeatureStatus } from '../../domain/status.ts';
import type { BackWording } from './back-news.ts';
import { backStatusWords, statusWords, whatHappensNext } from './status-words.ts';
import { escapeHtml, headerSafe } from './template.ts';

/**
 * A reply posted in the thread a request came from (a Slack channel thread, a Zendesk ticket, an Intercom
 * conversation, an email thread). Unlike the status email it is read by whoever else is in that thread, so it
 * carries nothing that acts for the requester: no status-page or unsubscribe link (both are bearer tokens), no
 * greeting with their name or address, no quote. It says which feature, its status in plain words and what happens
 * next, and ends with the notification's reference so a resend after a crash can find it (`hasReplyMarker`).
 *
 * `renderSourceReply` gives plain text; each connector turns it into its channel's format with `slackMrkdwn` or
 * `plainToHtml`, so text from a feature title is inert wherever it lands.
 */
export interface SourceReplyInput {
  productName: string;
  feature: { title: string };
  status: FeatureStatus;
  /** The surviving feature, when `status` is `merged`. */
  mergedInto?: { title: string } | undefined;
  /** A step back a person took (an issue reopened, an unmerge), and the feature no longer merged into. */
  back?: BackWording | undefined;
  unmergedFrom?: { title: string } | undefined;
  /** The notification's Message-ID (`<id@host>`). */
  messageId: string;
}

const TITLE_MAX = 200;

export function renderSourceReply(input: SourceReplyInput): string {
  const title = headerSafe(input.feature.title, TITLE_MAX);
  const merged = input.mergedInto ? headerSafe(input.mergedInto.title, TITLE_MAX) : undefined;
  const unmerged = input.unmergedFrom ? headerSafe(input.unmergedFrom.title, TITLE_MAX) : undefined;
  const status = input.back
    ? backStatusWords(input.back, input.status, unmerged)
    : statusWords(input.status, merged);
  const text = [
    `Update from ${headerSafe(input.productName, 80)} on “${title}”`,
    `Status: ${status}`,
    `What happens next: ${whatHappensNext(input.status, merged)}`,
  ].join('\n');
  return withReplyMarker(text, input.messageId);
}

/** `text` ending with this reply's reference (added when it lacks one): what a source posts and later looks for. */
export function withReplyMarker(text: string, messageId: string): string {
  return hasReplyMarker(text, messageId) ? text : `${text}\nRef: ${replyMarker(messageId)}`;
}

/**
 * The reference a reply ends with: the Message-ID's local part (a uuid for our rows), reduced to characters no
 * channel format escapes or links, so it reads back the same from Slack text, Zendesk plain_body or Intercom HTML.
 */
export function replyMarker(messageId: string): string {
  const local = messageId.replace(/^<|>$/g, '').split('@')[0] ?? '';
  return local.replace(/[^A-Za-z0-9._-]/g, '') || 'none';
}

/** Whether `posted` (a comment or conversation part we may have written earlier) carries this reply's reference. */
export function hasReplyMarker(posted: string, messageId: string): boolean {
  const marker = replyMarker(messageId).replace(/[.]/g, '\\.');
  return new RegExp(`Ref: ${marker}(?![A-Za-z0-9._-])`).test(posted);
}

/**
 * Plain text as Slack mrkdwn that shows it as written: `&`, `<` and `>` are the only characters Slack reads as
 * control sequences (`<!channel>`, `<https://…|label>`, `<@U123>`), escaped as it documents
 * (https://api.slack.com/reference/surfaces/formatting#escaping).
 */
export function slackMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Plain text as HTML paragraphs (Intercom reply bodies, Zendesk `html_body`): every character escaped. */
export function plainToHtml(text: string): string {
  return text
    .split(/\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => `<p>${escapeHtml(line)}</p>`)
    .join('');
}
