import { describe, expect, it } from 'vitest';
import { slackMessageToItem, slackPlainText } from './map.ts';
import { parseSlackEvent, signSlackBody, verifySlackSignature } from './webhook.ts';

// Slack's worked example (https://api.slack.com/authentication/verifying-requests-from-slack).
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TIMESTAMP = '1531420618';
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const AT = Number(DOC_TIMESTAMP) * 1000;

describe('verifySlackSignature', () => {
  const body = Buffer.from(DOC_BODY);
  const headers = (sig = DOC_SIGNATURE, ts = DOC_TIMESTAMP) => ({
    'X-Slack-Signature': sig,
    'X-Slack-Request-Timestamp': ts,
  });

  it('reproduces Slack’s documented signature', () => {
    expect(signSlackBody(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY)).toBe(DOC_SIGNATURE);
  });

  it.each([
    ['the documented request', headers(), body, AT, true, undefined],
    ['4 min 59 s later', headers(), body, AT + 299_000, true, undefined],
    ['5 min 1 s later', headers(), body, AT + 301_000, false, 'more than 5 minutes'],
    ['from the future', headers(), body, AT - 301_000, false, 'more than 5 minutes'],
    ['another body', headers(), Buffer.from(`${DOC_BODY}&x=1`), AT, false, 'does not match'],
    ['a truncated signature', headers(DOC_SIGNATURE.slice(0, -2)), body, AT, false, 'does not match'],
    ['upper-case hex', headers(DOC_SIGNATURE.toUpperCase().replace('V0=', 'v0=')), body, AT, true, undefined],
    ['a v1 signature', headers(DOC_SIGNATURE.replace('v0=', 'v1=')), body, AT, false, 'v0=<hex>'],
    [
      'no timestamp',
      { 'X-Slack-Signature': DOC_SIGNATURE },
      body,
      AT,
      false,
      'missing X-Slack-Request-Timestamp',
    ],
    [
      'no signature',
      { 'X-Slack-Request-Timestamp': DOC_TIMESTAMP },
      body,
      AT,
      false,
      'missing X-Slack-Signature',
    ],
    ['a non-numeric timestamp', headers(DOC_SIGNATURE, '1531420618.5'), body, AT, false, 'not a Unix time'],
  ] as const)('%s', (_name, h, raw, now, ok, reason) => {
    const verdict = verifySlackSignature(h, raw, DOC_SECRET, now);
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok) expect(verdict.reason).toContain(reason);
  });

  it('refuses everything without a signing secret', () => {
    expect(verifySlackSignature(headers(), body, '', AT)).toEqual({
      ok: false,
      reason: 'no signing secret is configured',
    });
  });
});

describe('parseSlackEvent', () => {
  const callback = (event: unknown) => JSON.stringify({ type: 'event_callback', event_id: 'Ev1', event });
  it.each([
    [
      'url_verification',
      JSON.stringify({ type: 'url_verification', challenge: 'abc' }),
      { type: 'url_verification', challenge: 'abc' },
    ],
    [
      'a reaction with a skin tone',
      callback({
        type: 'reaction_added',
        user: 'U1',
        reaction: '+1::skin-tone-2',
        item: { type: 'message', channel: 'C1', ts: '1.2' },
      }),
      {
        type: 'reaction_added',
        reaction: { eventId: 'Ev1', reaction: '+1', user: 'U1', channel: 'C1', ts: '1.2' },
      },
    ],
    [
      'a reaction on a file',
      callback({ type: 'reaction_added', reaction: 'bulb', item: { type: 'file', file: 'F1' } }),
      { type: 'ignored' },
    ],
    ['another event', callback({ type: 'reaction_removed' }), { type: 'ignored' }],
    ['an app_rate_limited notice', JSON.stringify({ type: 'app_rate_limited' }), { type: 'ignored' }],
    ['not JSON', '{', { type: 'malformed', reason: 'body is not JSON' }],
    ['an array', '[]', { type: 'malformed', reason: 'body is not a JSON object' }],
    ['a challenge-less verification', JSON.stringify({ type: 'url_verification' }), { type: 'malformed' }],
    [
      'a reaction without ts',
      callback({ type: 'reaction_added', reaction: 'bulb', item: { type: 'message', channel: 'C1' } }),
      { type: 'malformed' },
    ],
    [
      'a reaction without a name',
      callback({ type: 'reaction_added', item: { type: 'message', channel: 'C1', ts: '1.2' } }),
      { type: 'malformed' },
    ],
  ] as const)('%s', (_name, body, expected) => {
    expect(parseSlackEvent(body)).toMatchObject(expected);
  });
});

describe('slack messages as requests', () => {
  it.each([
    ['<https://x.example/a|the spec>', 'the spec (https://x.example/a)'],
    ['<https://x.example/a>', 'https://x.example/a'],
    ['ask <@U123> in <#C1|general>', 'ask @U123 in #general'],
    ['<!here> 1 &lt; 2 &amp;&amp; 3 &gt; 2', '@here 1 < 2 && 3 > 2'],
  ])('%s → %s', (mrkdwn, plain) => {
    expect(slackPlainText(mrkdwn)).toBe(plain);
  });

  const author = { id: 'U1', name: 'ada', profile: { email: 'ada@acme.example', real_name: 'Ada L' } };
  it('maps a message, its author and permalink', () => {
    const long = `${'x'.repeat(200)}\nsecond line`;
    const out = slackMessageToItem({
      channel: 'C1',
      message: { ts: '1700000000.000100', user: 'U1', text: long },
      author,
      permalink: 'https://p',
    });
    expect(out).toEqual({
      item: {
        ref: 'C1:1700000000.000100',
        title: `${'x'.repeat(119)}…`,
        body: long,
        url: 'https://p',
        requester: { email: 'ada@acme.example', name: 'Ada L' },
        receivedAt: '2023-11-14T22:13:20.000Z',
        thread: { channel: 'C1', ts: '1700000000.000100', threadTs: '1700000000.000100' },
      },
    });
  });

  it.each([
    ['a bot', { ts: '1.1', bot_id: 'B1', text: 'hi' }, author, 'bot'],
    ['empty text', { ts: '1.1', user: 'U1', text: '  ' }, author, 'no text'],
    [
      'an author without email',
      { ts: '1.1', user: 'U1', text: 'hi' },
      { id: 'U1', profile: {} },
      'users:read.email',
    ],
  ])('rejects %s', (_name, message, user, reason) => {
    const out = slackMessageToItem({ channel: 'C1', message, author: user, permalink: undefined });
    expect(out).toMatchObject({ reason: expect.stringContaining(reason) });
  });
});
