import type { SubmittedRequester } from '../store/schema.ts';

/**
 * The one shape every intake source (Zendesk, Intercom, Slack, email inbox...) implements. A source turns the
 * provider's tickets / conversations / messages into `IntakeItem`s; the framework (`src/workers/jobs/source-pull.job.ts`
 * and `src/http/source-webhooks.routes.ts`) stores them idempotently on (source id, ref) and advances the cursor.
 * Errors thrown from any method are `ConnectorError`s (`src/connectors/errors.ts`): kind `auth` marks the source
 * unhealthy, `rate_limited` waits for `retryAfterMs` without burning an attempt, `transient` retries with backoff.
 */
export interface IntakeItem {
  /** Stable id in the source: (source id, ref) is the request's identity. */
  ref: string;
  title: string;
  body: string;
  /** Link back to the ticket / message / email. */
  url?: string | undefined;
  requester: SubmittedRequester;
  /** ISO time. */
  receivedAt: string;
  tags?: string[] | undefined;
  /** What reply() needs (ticket id, channel+ts, Message-ID...), stored as requests.source_thread. */
  thread?: Record<string, unknown> | undefined;
}

export interface PullPage {
  items: IntakeItem[];
  rejected: Array<{ ref?: string | undefined; reason: string }>;
  /** The cursor to resume from once this page is stored; null when the source has none yet. */
  cursor: string | null;
}

export type WebhookResult =
  | { kind: 'challenge'; body: unknown }
  | { kind: 'items'; items: IntakeItem[]; rejected: PullPage['rejected'] }
  | { kind: 'ignored'; reason: string };

export interface SourceThread {
  sourceRef: string | null;
  sourceThread: Record<string, unknown> | null;
  url: string | null;
}

export interface SourceMessage {
  /**
   * Plain text (rules/notify/source-reply.ts), shown to everyone in the thread. Each source puts it into its own
   * format escaped (Slack mrkdwn, HTML), so nothing in it is read as markup, a mention or a link label.
   */
  text: string;
  /** The notification's Message-ID; the reply carries it (metadata, or the reference it ends with) to post once. */
  messageId: string;
}

export interface IntakeSource {
  kind: string;
  id: string;
  /** Credentials and reachability; throws ConnectorError (kind 'auth' => unhealthy). */
  check(): Promise<void>;
  /** Pages from `cursor` to the end of what the source has now; the cursor is valid after each page. */
  pull(cursor: string | null): AsyncIterable<PullPage>;
  /** Verifies the signature over the raw body; throws ConnectorError 'auth' on a bad signature. */
  parseWebhook?(
    headers: Record<string, string | string[] | undefined>,
    rawBody: Buffer,
  ): Promise<WebhookResult>;
  /** Answers in the item's thread (public comment, admin reply, thread message, email reply). */
  reply?(thread: SourceThread, message: SourceMessage): Promise<void>;
}
