import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSlackBody } from '../src/connectors/slack/webhook.ts';
import { createLogger } from '../src/log.ts';
import { renderSourceReply } from '../src/rules/notify/source-reply.ts';
import { intakeSources } from '../src/store/schema.ts';
import { type FakeSlack, startFakeSlack } from './fakes/slack.ts';
import { replyThreadOf, requestsOf, sourcePullJob } from './helpers/intake.ts';
import { startService, type TestService } from './helpers/service.ts';

/**
 * The Slack source end to end: signed Events API deliveries to the service's webhook route, the real
 * `@slack/web-api` WebClient reading the reacted message from a fake Slack Web API over HTTP, requests stored in
 * PGlite or Postgres, and replies posted back in the message's thread.
 */

const SECRET = 'slack-signing-secret-for-tests';
let slack: FakeSlack;
let svc: TestService;

const yaml = () => `
sources:
  - id: slack-main
    kind: slack
    signingSecretEnv: SLACK_SIGNING_SECRET
    botTokenEnv: SLACK_BOT_TOKEN
    emoji: ":bulb:"
    apiUrl: ${slack.url}
    maxRateLimitWaitSeconds: 2
    rateLimit: { requests: 1000, perSeconds: 1 }
  - id: slack-ops
    kind: slack
    signingSecretEnv: SLACK_SIGNING_SECRET
    botTokenEnv: SLACK_BOT_TOKEN
    emoji: bulb
    channels: [COPS]
    apiUrl: ${slack.url}
  - id: slack-revoked
    kind: slack
    signingSecretEnv: SLACK_SIGNING_SECRET
    botTokenEnv: SLACK_REVOKED_TOKEN
    emoji: bulb
    apiUrl: ${slack.url}
`;

const nowSeconds = () => String(Math.floor(Date.now() / 1000));

function signed(body: string, timestamp = nowSeconds(), secret = SECRET): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': signSlackBody(secret, timestamp, body),
  };
}

async function deliver(
  body: string,
  headers: Record<string, string> = signed(body),
  sourceId = 'slack-main',
) {
  const res = await fetch(`${svc.url}/webhooks/sources/${sourceId}`, { method: 'POST', headers, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

let eventSeq = 0;
function reaction(o: { channel: string; ts: string; reaction?: string; user?: string }): string {
  eventSeq += 1;
  return JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: 'T0TEST',
    type: 'event_callback',
    event_id: `Ev${eventSeq}`,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: 'reaction_added',
      user: o.user ?? 'UPM',
      reaction: o.reaction ?? 'bulb',
      item_user: 'UADA',
      item: { type: 'message', channel: o.channel, ts: o.ts },
      event_ts: `${Math.floor(Date.now() / 1000)}.000100`,
    },
  });
}

function logsSince(index: number) {
  return svc.logs.slice(index).map((l) => JSON.parse(l) as Record<string, unknown>);
}

beforeAll(async () => {
  slack = await startFakeSlack();
  slack.addUser({ id: 'UADA', name: 'ada', realName: 'Ada Lovelace', email: 'ada@acme.example' });
  slack.addUser({ id: 'UGRACE', name: 'grace', realName: 'Grace Hopper', email: 'grace@navy.example' });
  slack.addUser({ id: 'UHIDDEN', name: 'hidden', realName: 'No Email' });
  slack.addMessage('CFEED', {
    ts: '1748944800.000100',
    user: 'UADA',
    text: 'Could we get *dark mode*?\nOur team works nights.',
  });
  slack.addMessage('CFEED', { ts: '1748944900.000200', user: 'UGRACE', text: 'Parent: billing questions' });
  slack.addMessage('CFEED', {
    ts: '1748945000.000300',
    user: 'UADA',
    text: 'Export to CSV, see <https://docs.example/csv|the spec> &amp; ping <@UGRACE>',
    threadTs: '1748944900.000200',
  });
  slack.addMessage('CFEED', {
    ts: '1748945100.000400',
    user: 'UGRACE',
    text: 'Rate limited one: SAML please',
  });
  slack.addMessage('CFEED', { ts: '1748945200.000500', user: 'UHIDDEN', text: 'I have no visible email' });
  slack.addMessage('CFEED', { ts: '1748945300.000600', botId: 'B1', text: 'Deploy finished' });
  slack.addMessage('CFEED', { ts: '1748945400.000700', user: 'UGRACE', text: 'Slow down: audit log' });
  slack.addMessage('COPS', { ts: '1748945500.000800', user: 'UADA', text: 'Ops request: on-call calendar' });
  svc = await startService({
    role: 'api',
    yaml: yaml(),
    env: { SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: slack.token, SLACK_REVOKED_TOKEN: 'xoxb-revoked' },
  });
}, 120_000);

afterAll(async () => {
  await svc?.stop();
  await slack?.close();
});

describe('Slack Events API signature', () => {
  it('answers the URL verification challenge when signed, and refuses bad, stale and replayed requests', async () => {
    const challenge = JSON.stringify({ token: 't', challenge: 'c-123', type: 'url_verification' });
    const ok = await deliver(challenge);
    expect(ok).toEqual({ status: 200, json: { challenge: 'c-123' } });

    const wrongSecret = await deliver(challenge, signed(challenge, nowSeconds(), 'another-secret'));
    expect(wrongSecret.status).toBe(401);
    expect(JSON.stringify(wrongSecret.json)).toContain('does not match the body');

    const missing = await deliver(challenge, { 'content-type': 'application/json' });
    expect(missing.status).toBe(401);

    // Correctly signed, but six minutes ago: outside Slack's five-minute window.
    const old = String(Math.floor(Date.now() / 1000) - 6 * 60);
    const stale = await deliver(challenge, signed(challenge, old));
    expect(stale.status).toBe(401);
    expect(JSON.stringify(stale.json)).toContain('more than 5 minutes');

    // A captured request replayed with another body under the same signature.
    const captured = signed(reaction({ channel: 'CFEED', ts: '1748944800.000100' }));
    const tampered = await deliver(reaction({ channel: 'COPS', ts: '1748945500.000800' }), captured);
    expect(tampered.status).toBe(401);
    expect(await requestsOf(svc.runtime.store, 'slack-main')).toEqual([]);
  });
});

describe('Slack reactions become requests', () => {
  it('a :bulb: reaction makes the message a request from its author, with its permalink; another reaction adds nothing', async () => {
    const body = reaction({ channel: 'CFEED', ts: '1748944800.000100' });
    const headers = signed(body);
    const first = await deliver(body, headers);
    expect(first).toMatchObject({ status: 200, json: { status: 'accepted', created: 1 } });
    const [row] = await requestsOf(svc.runtime.store, 'slack-main');
    expect(row).toMatchObject({
      sourceRef: 'CFEED:1748944800.000100',
      title: 'Could we get *dark mode*?',
      body: 'Could we get *dark mode*?\nOur team works nights.',
      url: 'https://fake.slack.test/archives/CFEED/p1748944800000100',
      sourceThread: { channel: 'CFEED', ts: '1748944800.000100', threadTs: '1748944800.000100' },
    });
    expect(row?.submittedRequester).toEqual({ email: 'ada@acme.example', name: 'Ada Lovelace' });
    expect(row?.receivedAt.toISOString()).toBe('2025-06-03T10:00:00.000Z');

    // Slack redelivering the same event, and a second person reacting: the same request.
    expect(await deliver(body, headers)).toMatchObject({ status: 200, json: { created: 0, replayed: 1 } });
    const second = reaction({
      channel: 'CFEED',
      ts: '1748944800.000100',
      user: 'UGRACE',
      reaction: 'bulb::skin-tone-3',
    });
    expect(await deliver(second)).toMatchObject({ status: 200, json: { created: 0, replayed: 1 } });
    // Another emoji is not a request.
    const other = await deliver(
      reaction({ channel: 'CFEED', ts: '1748944900.000200', reaction: 'thumbsup' }),
    );
    expect(other).toMatchObject({ status: 200, json: { status: 'ignored' } });
    expect(String(other.json['reason'])).toContain(':thumbsup: is not :bulb:');
    expect(await requestsOf(svc.runtime.store, 'slack-main')).toHaveLength(1);
  });

  it('a message in a thread is read through conversations.replies and answered in that thread', async () => {
    const res = await deliver(reaction({ channel: 'CFEED', ts: '1748945000.000300' }));
    expect(res).toMatchObject({ status: 200, json: { created: 1 } });
    const row = (await requestsOf(svc.runtime.store, 'slack-main')).find(
      (r) => r.sourceRef === 'CFEED:1748945000.000300',
    );
    expect(row?.body).toBe('Export to CSV, see the spec (https://docs.example/csv) & ping @UGRACE');
    expect(row?.sourceThread).toEqual({
      channel: 'CFEED',
      ts: '1748945000.000300',
      threadTs: '1748944900.000200',
    });
    expect(slack.callsTo('conversations.replies').some((c) => c.params['ts'] === '1748945000.000300')).toBe(
      true,
    );

    const source = svc.runtime.sources.get('slack-main');
    const thread = replyThreadOf(row);
    await source?.reply?.(thread, {
      text: 'Export to CSV is now in progress.',
      messageId: '<n-1@suggested.example>',
    });
    expect(slack.posted).toEqual([
      {
        channel: 'CFEED',
        threadTs: '1748944900.000200',
        text: 'Export to CSV is now in progress.',
        metadata: {
          event_type: 'suggested_sync_reply',
          event_payload: { message_id: '<n-1@suggested.example>' },
        },
      },
    ]);
    expect(slack.callsTo('chat.postMessage')[0]?.token).toBe(slack.token);

    // The send retried after a crash finds its reply in the thread and posts nothing; another message does post.
    await source?.reply?.(thread, {
      text: 'Export to CSV is now in progress.',
      messageId: '<n-1@suggested.example>',
    });
    expect(slack.posted).toHaveLength(1);
    await source?.reply?.(thread, {
      text: 'Export to CSV has shipped.',
      messageId: '<n-2@suggested.example>',
    });
    expect(slack.posted.map((p) => p.text)).toEqual([
      'Export to CSV is now in progress.',
      'Export to CSV has shipped.',
    ]);
  });

  it('only configured channels count for a source with a channel filter', async () => {
    const outside = await deliver(
      reaction({ channel: 'CFEED', ts: '1748944800.000100' }),
      undefined,
      'slack-ops',
    );
    expect(outside).toMatchObject({ status: 200, json: { status: 'ignored' } });
    const inside = await deliver(
      reaction({ channel: 'COPS', ts: '1748945500.000800' }),
      undefined,
      'slack-ops',
    );
    expect(inside).toMatchObject({ status: 200, json: { created: 1 } });
    expect((await requestsOf(svc.runtime.store, 'slack-ops')).map((r) => r.sourceRef)).toEqual([
      'COPS:1748945500.000800',
    ]);
  });
});

describe('Slack faults', () => {
  it('a reply whose answer is lost is not posted again by a retry: the retried send finds it in the thread', async () => {
    const source = svc.runtime.sources.get('slack-main');
    const thread = {
      sourceRef: 'CFEED:1748944800.000100',
      sourceThread: { channel: 'CFEED', ts: '1748944800.000100', threadTs: '1748944800.000100' },
      url: null,
    };
    const messageId = '<lost-1@suggested.example>';
    const text = renderSourceReply({
      productName: 'Acme',
      feature: { title: 'Dark mode <!channel> <https://evil.example|Docs>' },
      status: 'planned',
      messageId,
    });
    const mine = () =>
      slack.posted.filter((p) => JSON.stringify(p.metadata).includes('lost-1@suggested.example'));
    // Slack posts the message, then the answer never arrives (a 500): the WebClient must not post it again.
    slack.fail('chat.postMessage', { loseAnswer: true, times: 1 });
    await expect(source?.reply?.(thread, { text, messageId })).rejects.toMatchObject({ kind: 'transient' });
    expect(mine()).toHaveLength(1);
    // The send job's retry: postOnce reads the thread first and posts nothing.
    await source?.reply?.(thread, { text, messageId });
    expect(mine()).toHaveLength(1);
    // What was posted shows the title as text: no channel ping, no disguised link.
    expect(mine()[0]?.text).toContain('Dark mode &lt;!channel&gt; &lt;https://evil.example|Docs&gt;');
    expect(mine()[0]?.text).not.toMatch(/<[!@#h]/);
  });

  it("honours a 429's Retry-After and then stores the request", async () => {
    slack.fail('users.info', { retryAfter: 1, times: 1 });
    const before = slack.callsTo('users.info').length;
    const res = await deliver(reaction({ channel: 'CFEED', ts: '1748945100.000400' }));
    expect(res).toMatchObject({ status: 200, json: { created: 1 } });
    const calls = slack.callsTo('users.info').slice(before);
    expect(calls).toHaveLength(2);
    // The retry came after the wait Slack asked for, not at once.
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(
      (await requestsOf(svc.runtime.store, 'slack-main')).some(
        (r) => r.sourceRef === 'CFEED:1748945100.000400',
      ),
    ).toBe(true);
  });

  it('a Retry-After longer than the source waits answers 503 (Slack redelivers) and stores nothing', async () => {
    slack.fail('conversations.history', { retryAfter: 30, times: 1 });
    const res = await deliver(reaction({ channel: 'CFEED', ts: '1748945400.000700' }));
    // Any non-2xx answer makes Slack redeliver (https://api.slack.com/apis/events-api#retries).
    expect(res.status).toBe(503);
    expect(
      (await requestsOf(svc.runtime.store, 'slack-main')).some(
        (r) => r.sourceRef === 'CFEED:1748945400.000700',
      ),
    ).toBe(false);
    // Slack's redelivery, once the limit passed.
    const again = await deliver(reaction({ channel: 'CFEED', ts: '1748945400.000700' }));
    expect(again).toMatchObject({ status: 200, json: { created: 1 } });
  });

  it('invalid_auth marks that source unhealthy at its scheduled pull, without touching the others', async () => {
    const { pull } = sourcePullJob(svc.runtime, createLogger({ level: 'silent' }));

    await expect(pull({ sourceId: 'slack-revoked' })).rejects.toThrow(/invalid_auth/);
    expect(await pull({ sourceId: 'slack-main' })).toEqual({ pulled: 0, pages: 0 });
    const rows = await svc.runtime.store.db.select().from(intakeSources);
    expect(rows.find((r) => r.id === 'slack-revoked')).toMatchObject({ healthy: false });
    expect(rows.find((r) => r.id === 'slack-revoked')?.lastError).toContain('invalid_auth');
    expect(rows.find((r) => r.id === 'slack-main')).toMatchObject({ healthy: true, lastError: null });

    // A reaction on the revoked source is not stored and not taken for a bad signature: Slack retries it later.
    const res = await deliver(
      reaction({ channel: 'CFEED', ts: '1748944900.000200' }),
      undefined,
      'slack-revoked',
    );
    expect(res.status).toBe(503);
    expect(await requestsOf(svc.runtime.store, 'slack-revoked')).toEqual([]);
  });

  it('rejects malformed events and unusable messages with a logged reason, keeping the rest', async () => {
    const from = svc.logs.length;
    const notJson = await deliver('{"type":"event_callback",');
    expect(notJson).toMatchObject({ status: 200, json: { created: 0, rejected: 1 } });
    const noTs = JSON.stringify({
      type: 'event_callback',
      event: { type: 'reaction_added', reaction: 'bulb', item: { type: 'message', channel: 'CFEED' } },
    });
    expect(await deliver(noTs)).toMatchObject({ status: 200, json: { rejected: 1 } });
    expect(await deliver(reaction({ channel: 'CFEED', ts: '1748945200.000500' }))).toMatchObject({
      json: { rejected: 1 },
    });
    expect(await deliver(reaction({ channel: 'CFEED', ts: '1748945300.000600' }))).toMatchObject({
      json: { rejected: 1 },
    });
    expect(await deliver(reaction({ channel: 'CFEED', ts: '1748949999.000999' }))).toMatchObject({
      json: { rejected: 1 },
    });
    // A good one in between is kept.
    expect(await deliver(reaction({ channel: 'CFEED', ts: '1748944900.000200' }))).toMatchObject({
      json: { created: 1 },
    });

    const reasons = logsSince(from)
      .filter((l) => l['msg'] === 'source item rejected' && l['sourceId'] === 'slack-main')
      .map((l) => String(l['reason']));
    expect(reasons).toEqual([
      'body is not JSON',
      'reaction_added without the message channel and ts',
      'message CFEED:1748945200.000500: no email for Slack user UHIDDEN (the token needs users:read.email)',
      'message CFEED:1748945300.000600 has no human author',
      'message CFEED:1748949999.000999 was not found (deleted, or the app is not in the channel)',
    ]);
    expect(svc.logs.slice(from).join('\n')).not.toContain('I have no visible email');
  });
});
