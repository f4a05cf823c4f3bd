import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, serveLocal } from './http.ts';

/**
 * A small Slack Web API for tests (https://api.slack.com/web): the methods the Slack source calls, over HTTP, as
 * the real `@slack/web-api` WebClient sends them (POST /api/<method>, form-encoded, `Authorization: Bearer`).
 * Holds users and channel messages, records every call and posted message, and answers with scripted faults:
 * 429 with Retry-After, or an `ok: false` error such as `invalid_auth`.
 */

export interface FakeSlackUser {
  id: string;
  name: string;
  realName?: string;
  /** Absent: users.info answers without an email (as without the users:read.email scope). */
  email?: string;
  isBot?: boolean;
}

export interface FakeSlackMessage {
  ts: string;
  user?: string;
  text: string;
  threadTs?: string;
  botId?: string;
  /** Message metadata (https://api.slack.com/metadata), returned with `include_all_metadata`. */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

export interface SlackCall {
  method: string;
  params: Record<string, string>;
  token: string | undefined;
  /** Epoch ms when it arrived. */
  at: number;
}

export interface SlackFault {
  /** A 429 with this Retry-After (seconds). */
  retryAfter?: number;
  /** An `ok: false` answer with this error code. */
  error?: string;
  /** The call takes effect (a message is posted), then its answer is lost: an HTTP 500 instead. */
  loseAnswer?: boolean;
  times?: number;
}

export interface FakeSlack {
  url: string;
  token: string;
  calls: SlackCall[];
  /** chat.postMessage calls, in order. */
  posted: Array<{ channel: string; threadTs: string | undefined; text: string; metadata: unknown }>;
  addUser(user: FakeSlackUser): void;
  addMessage(channel: string, message: FakeSlackMessage): void;
  /** Answer `method` (or every method with '*') with a fault, `times` times (default: always). */
  fail(method: string, fault: SlackFault): void;
  clearFaults(): void;
  callsTo(method: string): SlackCall[];
  close(): Promise<void>;
}

export async function startFakeSlack(options: { token?: string; team?: string } = {}): Promise<FakeSlack> {
  const token = options.token ?? 'xoxb-test-token';
  const users = new Map<string, FakeSlackUser>();
  const channels = new Map<string, FakeSlackMessage[]>();
  const calls: SlackCall[] = [];
  const posted: FakeSlack['posted'] = [];
  let faults: Array<SlackFault & { method: string; left: number }> = [];
  let postSeq = 0;

  const messagesIn = (channel: string) => channels.get(channel) ?? [];

  function handle(method: string, p: Record<string, string>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          team_id: options.team ?? 'T0TEST',
          user_id: 'UBOT',
          url: 'https://fake.slack.test/',
        };
      case 'users.info': {
        const user = users.get(p['user'] ?? '');
        if (!user) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: user.id,
            name: user.name,
            real_name: user.realName,
            is_bot: user.isBot ?? false,
            profile: {
              real_name: user.realName,
              display_name: user.name,
              ...(user.email ? { email: user.email } : {}),
            },
          },
        };
      }
      case 'conversations.history': {
        if (!channels.has(p['channel'] ?? '')) return { ok: false, error: 'channel_not_found' };
        const latest = Number(p['latest'] ?? Number.POSITIVE_INFINITY);
        const inclusive = p['inclusive'] === 'true' || p['inclusive'] === '1';
        const limit = Number(p['limit'] ?? 100);
        const top = messagesIn(p['channel'] ?? '')
          .filter((m) => m.threadTs === undefined || m.threadTs === m.ts)
          .filter((m) => (inclusive ? Number(m.ts) <= latest : Number(m.ts) < latest))
          .sort((a, b) => Number(b.ts) - Number(a.ts))
          .slice(0, limit);
        return { ok: true, messages: top.map((m) => wire(m)), has_more: false };
      }
      case 'conversations.replies': {
        if (!channels.has(p['channel'] ?? '')) return { ok: false, error: 'channel_not_found' };
        const all = messagesIn(p['channel'] ?? '');
        const asked = all.find((m) => m.ts === p['ts']);
        if (!asked) return { ok: false, error: 'thread_not_found' };
        const parent = asked.threadTs ?? asked.ts;
        const thread = all
          .filter((m) => m.ts === parent || m.threadTs === parent)
          .sort((a, b) => Number(a.ts) - Number(b.ts));
        const withMetadata = p['include_all_metadata'] === 'true';
        return { ok: true, messages: thread.map((m) => wire(m, withMetadata)), has_more: false };
      }
      case 'chat.getPermalink': {
        const msg = messagesIn(p['channel'] ?? '').find((m) => m.ts === p['message_ts']);
        if (!msg) return { ok: false, error: 'message_not_found' };
        return {
          ok: true,
          channel: p['channel'],
          permalink: `https://fake.slack.test/archives/${p['channel']}/p${msg.ts.replace('.', '')}`,
        };
      }
      case 'chat.postMessage': {
        const channel = p['channel'] ?? '';
        if (!channels.has(channel)) return { ok: false, error: 'channel_not_found' };
        const metadata = p['metadata']
          ? (JSON.parse(p['metadata']) as FakeSlackMessage['metadata'])
          : undefined;
        posted.push({ channel, threadTs: p['thread_ts'], text: p['text'] ?? '', metadata });
        postSeq += 1;
        const ts = `${Math.floor(Date.now() / 1000)}.${String(postSeq).padStart(6, '0')}`;
        channels.get(channel)?.push({
          ts,
          user: 'UBOT',
          botId: 'BBOT',
          text: p['text'] ?? '',
          ...(p['thread_ts'] ? { threadTs: p['thread_ts'] } : {}),
          ...(metadata ? { metadata } : {}),
        });
        return { ok: true, channel, ts };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  function wire(m: FakeSlackMessage, withMetadata = false): Record<string, unknown> {
    return {
      ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
      type: 'message',
      ts: m.ts,
      text: m.text,
      ...(m.user ? { user: m.user } : {}),
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      ...(m.botId ? { bot_id: m.botId, subtype: 'bot_message' } : {}),
    };
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = (req.url ?? '').replace(/^\/api\//, '').replace(/\?.*$/, '');
    const type = req.headers['content-type'] ?? '';
    const params: Record<string, string> = type.includes('json')
      ? Object.fromEntries(
          Object.entries(JSON.parse(raw || '{}') as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
        )
      : Object.fromEntries(new URLSearchParams(raw));
    const auth = req.headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : params['token'];
    calls.push({ method, params, token: given, at: Date.now() });
    const fault = faults.find((f) => f.left > 0 && (f.method === method || f.method === '*'));
    if (fault) {
      fault.left -= 1;
      if (fault.loseAnswer) {
        if (given === token) handle(method, params);
        sendJson(res, 500, { ok: false, error: 'fault: answer lost' });
        return;
      }
      if (fault.retryAfter !== undefined) {
        sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfter) });
        return;
      }
      sendJson(res, 200, { ok: false, error: fault.error ?? 'internal_error' });
      return;
    }
    if (given !== token) {
      sendJson(res, 200, { ok: false, error: given ? 'invalid_auth' : 'not_authed' });
      return;
    }
    sendJson(res, 200, handle(method, params));
  }

  const server = await serveLocal((req, res) => {
    onRequest(req, res).catch((err: unknown) => sendJson(res, 500, { ok: false, error: String(err) }));
  });

  return {
    url: `${server.url}/api/`,
    token,
    calls,
    posted,
    addUser: (user) => users.set(user.id, user),
    addMessage(channel, message) {
      const list = channels.get(channel) ?? [];
      list.push(message);
      channels.set(channel, list);
    },
    fail: (method, fault) => faults.push({ ...fault, method, left: fault.times ?? Number.POSITIVE_INFINITY }),
    clearFaults: () => {
      faults = [];
    },
    callsTo: (method) => calls.filter((c) => c.method === method),
    close: server.close,
  };
}
