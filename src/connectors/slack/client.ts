import { setTimeout as sleep } from 'node:timers/promises';
import { LogLevel, WebAPIRateLimitedError, WebClient } from '@slack/web-api';
import { ConnectorError } from '../errors.ts';
import { classifySlackError } from './errors.ts';
import type { SlackMessage, SlackUser } from './map.ts';
import { slackSpec } from './spec.ts';

/** The Slack Web API calls this connector makes, over the official `WebClient`. Every method throws ConnectorError. */
export interface SlackApi {
  /** auth.test: the token works. */
  authTest(): Promise<{ teamId: string | undefined; botUserId: string | undefined }>;
  /** The message at `ts` in `channel`, top-level or in a thread; undefined when it is gone. */
  message(channel: string, ts: string): Promise<SlackMessage | undefined>;
  user(id: string): Promise<SlackUser>;
  permalink(channel: string, ts: string): Promise<string | undefined>;
  /**
   * Posts in the thread unless a reply carrying this `messageId` is already there (a send retried after a crash):
   * the id travels as message metadata (https://api.slack.com/metadata/using), read back with the thread.
   */
  postOnce(input: {
    channel: string;
    threadTs: string;
    text: string;
    messageId: string;
  }): Promise<'posted' | 'already-posted'>;
}

/** Metadata event type our replies carry. */
const REPLY_EVENT_TYPE = 'suggested_sync_reply';

interface SlackClientOptions {
  token: string;
  /** Web API base URL; Slack's own when absent. */
  apiUrl?: string | undefined;
  /** A 429 whose Retry-After is at most this is waited out and the call retried (up to `rateLimitRetries` times). */
  maxRateLimitWaitMs: number;
  rateLimitRetries?: number | undefined;
  /** Retries for network errors and 5xx answers (the WebClient's own backoff). */
  retries?: number | undefined;
  timeoutMs?: number | undefined;
  /** The source's own request budget (`rateLimit`), awaited before each call. */
  throttle?: (() => Promise<void>) | undefined;
}

export function createSlackClient(options: SlackClientOptions): SlackApi {
  const apiUrl = options.apiUrl === undefined ? undefined : options.apiUrl.replace(/\/?$/, '/');
  const webClient = (retries: number) =>
    new WebClient(options.token, {
      ...(apiUrl === undefined ? {} : { slackApiUrl: apiUrl }),
      logLevel: LogLevel.ERROR,
      timeout: options.timeoutMs ?? slackSpec.timeoutMs,
      // We decide about 429s ourselves (below): the WebClient would otherwise wait any Retry-After, however long.
      rejectRateLimitedCalls: true,
      // The default (ten retries over about thirty minutes) would hold a webhook or a pull for half an hour.
      retryConfig: { retries, factor: 2, minTimeout: 200, maxTimeout: 2_000 },
    });
  const web = webClient(options.retries ?? slackSpec.retries);
  // chat.postMessage is not idempotent: a lost answer retried blindly posts twice. It is never retried here; a
  // failed post throws, and the retried send goes through postOnce's look at the thread first.
  const webOnce = webClient(0);
  const rateLimitRetries = options.rateLimitRetries ?? slackSpec.rateLimitRetries;

  /** One Web API call: a short 429 is waited out (Slack's Retry-After, https://api.slack.com/apis/rate-limits). */
  const call: Call = async (run) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await options.throttle?.();
        return await run();
      } catch (err) {
        const waitMs = err instanceof WebAPIRateLimitedError ? err.retryAfter * 1000 : undefined;
        if (waitMs === undefined || waitMs > options.maxRateLimitWaitMs || attempt >= rateLimitRetries) {
          throw classifySlackError(err);
        }
        await sleep(waitMs);
      }
    }
  };

  return {
    async authTest() {
      const res = await call(() => web.auth.test());
      return { teamId: res.team_id, botUserId: res.user_id };
    },
    message: (channel, ts) => readMessage(web, call, channel, ts),
    async user(id) {
      const res = await call(() => web.users.info({ user: id }));
      if (!res.user?.id) throw classifySlackError(new Error('users.info answered without a user'));
      return res.user as SlackUser;
    },
    async permalink(channel, ts) {
      const res = await call(() => web.chat.getPermalink({ channel, message_ts: ts }));
      return res.permalink;
    },
    postOnce: (input) => postOnce(web, webOnce, call, input),
  };
}

/** One Web API call under the source's budget, a short 429 waited out; failures come out as ConnectorError. */
type Call = <T>(run: () => Promise<T>) => Promise<T>;

/**
 * A top-level message is the newest at `latest` inclusive; a thread reply is only in conversations.replies.
 * https://api.slack.com/messaging/retrieving#individual_messages
 */
async function readMessage(web: WebClient, call: Call, channel: string, ts: string) {
  const history = await call(() =>
    web.conversations.history({ channel, latest: ts, inclusive: true, limit: 1 }),
  );
  const top = history.messages?.find((m) => m.ts === ts);
  if (top) return top as SlackMessage;
  try {
    const replies = await call(() =>
      web.conversations.replies({ channel, ts, oldest: ts, inclusive: true, limit: 10 }),
    );
    return replies.messages?.find((m) => m.ts === ts) as SlackMessage | undefined;
  } catch (err) {
    // `thread_not_found`: no message at that ts at all (deleted, or never there).
    if (err instanceof ConnectorError && err.kind === 'not_found') return undefined;
    throw err;
  }
}

async function postOnce(
  web: WebClient,
  webOnce: WebClient,
  call: Call,
  { channel, threadTs, text, messageId }: Parameters<SlackApi['postOnce']>[0],
): Promise<'posted' | 'already-posted'> {
  let cursor: string | undefined;
  for (let page = 0; page < slackSpec.pageSize.threadPages; page++) {
    const thread = await call(() =>
      web.conversations.replies({
        channel,
        ts: threadTs,
        include_all_metadata: true,
        limit: slackSpec.pageSize.thread,
        ...(cursor ? { cursor } : {}),
      }),
    );
    const found = thread.messages?.some((m) => {
      const payload = m.metadata?.event_payload as Record<string, unknown> | undefined;
      return m.metadata?.event_type === REPLY_EVENT_TYPE && payload?.['message_id'] === messageId;
    });
    if (found) return 'already-posted';
    cursor = thread.response_metadata?.next_cursor || undefined;
    if (!cursor) break;
  }
  await call(() =>
    webOnce.chat.postMessage({
      channel,
      thread_ts: threadTs,
      text,
      metadata: { event_type: REPLY_EVENT_TYPE, event_payload: { message_id: messageId } },
    }),
  );
  return 'posted';
}
