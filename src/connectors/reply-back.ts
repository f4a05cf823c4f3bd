import type { ResolvedSourceConfig } from '../config/sources.schema.ts';
import type { ChannelsFor, NotificationChannel } from '../store/notify-outbox.repo.ts';
import { ConnectorError } from './errors.ts';
import type { Sources } from './source-registry.ts';

/**
 * Answers a requester where they asked (a Zendesk ticket, a Slack thread, an email thread), for `channel = 'source'`
 * rows. Provided by the intake sources; throws ConnectorError (`transient` / `rate_limited` retry, others fail the row).
 */
export type ReplyInSource = (input: {
  requestId: string;
  source: string;
  sourceRef: string | null;
  sourceThread: Record<string, unknown> | null;
  text: string;
  messageId: string;
}) => Promise<void>;

/**
 * The per-source reply-back policy (`replyBack`, `alsoEmail`) as the notification outbox asks for it: `thread`
 * answers in the source thread only (and by email too with `alsoEmail`), `email` by email only, `both` both. A
 * request without a thread to answer in (or from a source not configured here: the API, CSV) is told by email.
 */
export function replyBackChannels(configs: readonly ResolvedSourceConfig[]): ChannelsFor {
  const byId = new Map(configs.filter((c) => c.enabled).map((c) => [c.id, c]));
  return ({ source, sourceThread }) => {
    const config = byId.get(source);
    if (!config || !sourceThread) return ['email'];
    const channels: NotificationChannel[] =
      config.replyBack === 'email'
        ? ['email']
        : config.replyBack === 'both' || config.alsoEmail
          ? ['source', 'email']
          : ['source'];
    return channels;
  };
}

/**
 * Sources whose answer in the thread is itself an email to the requester (an inbox): a suppressed address gets
 * none, and a hard bounce of one suppresses the address, as for status mail.
 */
export function repliesByMail(configs: readonly ResolvedSourceConfig[]): (source: string) => boolean {
  const mailed = new Set(configs.filter((c) => c.enabled && c.kind === 'email-inbox').map((c) => c.id));
  return (source) => mailed.has(source);
}

/** The outbox's `replyInSource`: the request's source answers in its own thread (`IntakeSource.reply`). */
export function replyInSources(sources: Sources): ReplyInSource {
  return async (input) => {
    const source = sources.get(input.source);
    if (!source?.reply) {
      throw new ConnectorError('config', input.source, `no reply connector for source ${input.source}`);
    }
    await source.reply(
      { sourceRef: input.sourceRef, sourceThread: input.sourceThread, url: null },
      { text: input.text, messageId: input.messageId },
    );
  };
}
