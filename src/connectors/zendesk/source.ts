import type { Resolved } from '../../config/sources.schema.ts';
import { hasReplyMarker, plainToHtml, withReplyMarker } from '../../rules/notify/source-reply.ts';
import { ConnectorError } from '../errors.ts';
import type { IntakeSource, PullPage } from '../intake-source.ts';
import type { SourceDeps } from '../source-registry.ts';
import { createZendeskClient } from './client.ts';
import type { ZendeskSourceConfig } from './config.ts';
import { mapZendeskPage, parseZendeskCursor, type ZendeskCursor } from './map.ts';
import { zendeskSpec } from './spec.ts';

/** How far back the very first pull reads. */
const FIRST_PULL_DAYS = 30;
/** The export refuses a start_time in the last minute (and leaves that minute out anyway). */
const EXPORT_FLOOR_SECONDS = 60;

/**
 * Zendesk Support as an intake source: tickets carrying the configured tag or form, read through the cursor-based
 * incremental ticket export. Mid-stream the cursor is the export's `after_cursor`; once the export reaches its end,
 * the next pull starts again from the newest update seen minus `lagWindowSeconds` (re-read tickets are no-ops on
 * their ref). Reply: a public comment on the ticket, once per notification.
 */
export function createZendeskSource(
  config: Resolved<ZendeskSourceConfig>,
  deps: SourceDeps & { now?: () => Date },
): IntakeSource {
  const token = config.secrets['token'];
  if (!token) throw new ConnectorError('config', 'zendesk', `source ${config.id}: tokenEnv is not set`);
  const baseUrl = config.baseUrl ?? zendeskSpec.baseUrl(config.subdomain ?? '');
  const client = createZendeskClient({ baseUrl, email: config.email, token, throttle: deps.throttle });
  const now = deps.now ?? (() => new Date());
  const filter = { tag: config.tag, formId: config.formId };

  return {
    kind: 'zendesk',
    id: config.id,

    async check() {
      const { user } = await client.me();
      if (user.id === null) {
        throw new ConnectorError(
          'auth',
          'zendesk',
          'Zendesk answered as an anonymous user: check email and token',
        );
      }
    },

    async *pull(cursor: string | null): AsyncIterable<PullPage> {
      const stored = parseZendeskCursor(cursor);
      const nowSeconds = Math.floor(now().getTime() / 1000);
      let since = stored?.since ?? nowSeconds - FIRST_PULL_DAYS * 86_400;
      let from: { startTime: number } | { cursor: string } = stored?.after
        ? { cursor: stored.after }
        : {
            startTime: Math.max(
              0,
              Math.min(since - (stored ? config.lagWindowSeconds : 0), nowSeconds - EXPORT_FLOOR_SECONDS),
            ),
          };
      for (;;) {
        const page = await client.exportTickets(from);
        const mapped = mapZendeskPage(page, filter, client.baseUrl);
        since = Math.max(since, mapped.newestUpdate ?? since);
        const more = !page.end_of_stream && page.after_cursor !== null;
        const next: ZendeskCursor = more ? { after: page.after_cursor ?? undefined, since } : { since };
        yield { items: mapped.items, rejected: mapped.rejected, cursor: JSON.stringify(next) };
        if (!more || page.after_cursor === null) return;
        from = { cursor: page.after_cursor };
      }
    },

    async reply(thread, message) {
      const ticketId = Number(thread.sourceThread?.['ticketId'] ?? thread.sourceRef);
      if (!Number.isSafeInteger(ticketId) || ticketId <= 0) {
        throw new ConnectorError('invalid_input', 'zendesk', 'no Zendesk ticket id to reply to');
      }
      // Once only: a send retried after a crash finds its earlier comment by the reference the reply ends with.
      const comments = await client.recentComments(ticketId);
      const posted = comments.some((c) =>
        hasReplyMarker([c.plain_body, c.body, c.html_body].join('\n'), message.messageId),
      );
      if (posted) {
        deps.log.info({ sourceId: config.id, ticketId }, 'zendesk reply was already posted');
        return;
      }
      await client.addPublicComment(ticketId, plainToHtml(withReplyMarker(message.text, message.messageId)));
    },
  };
}
