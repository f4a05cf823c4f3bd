import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSlackBody } from '../src/connectors/slack/webhook.ts';
import { requests } from '../src/store/schema.ts';
import { type FakeSlack, startFakeSlack } from './fakes/slack.ts';
import { type FakeZendesk, startFakeZendesk, zendeskTicket } from './fakes/zendesk.ts';
import { linearDriver } from './helpers/notify.ts';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';
import { type SmtpTestServer, startSmtpServer } from './helpers/smtp.ts';

/**
 * The reply-back seam end to end, nothing injected: Zendesk tickets pulled by the real source from the Zendesk fake
 * and a Slack message marked through the real Events API route, triaged into features, pushed to the Linear
 * emulator, moved there with the real SDK; the outbox then answers through `replyBackChannels` + `replyInSources`
 * (src/runtime.ts) in the ticket or thread, by email at a real SMTP server, or both, as each source's policy says.
 */

const ZD_EMAIL = 'agent@acme.io';
const ZD_TOKEN = 'zd-token-reply-back';
const SLACK_SECRET = 'slack-signing-secret-reply-back';
let smtp: SmtpTestServer;
let zendesk: FakeZendesk;
let slack: FakeSlack;
let svc: TestService;
let drive: ReturnType<typeof linearDriver>;

const zendeskSource = (id: string, tag: string, policy: string[]) => [
  `  - id: ${id}`,
  '    kind: zendesk',
  `    baseUrl: ${zendesk.url}`,
  `    email: ${ZD_EMAIL}`,
  '    tokenEnv: ZD_TOKEN',
  `    tag: ${tag}`,
  '    rateLimit: { requests: 1000, perSeconds: 1 }',
  ...policy.map((line) => `    ${line}`),
];

/** One ticket with its requester (a user of the fake). */
function ticket(id: number, tag: string, subject: string, requester: { name: string; email: string }) {
  zendesk.users.push({ id: 100 + id, name: requester.name, email: requester.email });
  zendesk.tickets.push(
    zendeskTicket(id, { tags: [tag], subject, description: `${requester.name}: we need ${subject}.` }),
  );
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  zendesk = await startFakeZendesk({ email: ZD_EMAIL, token: ZD_TOKEN, pageSize: 10 });
  // Tickets are there before the service starts: its first scheduled pull takes them.
  ticket(1, 'fr_thread', 'Ticket merging', { name: 'Ray', email: 'ray@globex.io' });
  ticket(2, 'fr_both', 'Saved replies', { name: 'Sue', email: 'sue@globex.io' });
  ticket(3, 'fr_also', 'Saved replies', { name: 'Una', email: 'una@globex.io' });
  // Another ticket on the instance, never a request: it must never be written to.
  zendesk.tickets.push(zendeskTicket(9, { tags: ['billing'] }));

  slack = await startFakeSlack();
  slack.addUser({ id: 'UVAL', name: 'val', realName: 'Val Kilmer', email: 'val@initech.io' });
  slack.addMessage('CFEED', { ts: '1748944900.000200', user: 'UVAL', text: 'Parent: reporting ideas' });
  slack.addMessage('CFEED', {
    ts: '1748945000.000300',
    user: 'UVAL',
    text: 'Scheduled exports\nEvery Monday, as a CSV.',
    threadTs: '1748944900.000200',
  });

  svc = await startService({
    env: {
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Acme Ideas <ideas@example.com>',
      PUBLIC_URL: 'https://ideas.example.com',
      NOTIFY_COALESCE_SECONDS: '1',
      ZD_TOKEN,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_BOT_TOKEN: slack.token,
    },
    yaml: [
      'push:',
      '  coalesceSeconds: 1',
      'notifications:',
      '  productName: Acme Ideas',
      'sources:',
      ...zendeskSource('zd-thread', 'fr_thread', ['replyBack: thread']),
      ...zendeskSource('zd-both', 'fr_both', ['replyBack: both']),
      ...zendeskSource('zd-also', 'fr_also', ['replyBack: thread', 'alsoEmail: true']),
      '  - id: slack-main',
      '    kind: slack',
      '    signingSecretEnv: SLACK_SIGNING_SECRET',
      '    botTokenEnv: SLACK_BOT_TOKEN',
      '    emoji: bulb',
      `    apiUrl: ${slack.url}`,
      '    replyBack: thread',
      '    rateLimit: { requests: 1000, perSeconds: 1 }',
    ].join('\n'),
  });
  drive = linearDriver(svc);
}, 120_000);
afterAll(async () => {
  await svc?.stop();
  await smtp?.close();
  await zendesk?.close();
  await slack?.close();
});

/** The request stored from this source item (waits for the pull or webhook to store it). */
const requestFrom = (source: string, sourceRef: string) =>
  waitFor(`request ${source}/${sourceRef} stored`, async () => {
    const rows = await svc.runtime.store.db.select().from(requests).where(eq(requests.source, source));
    return rows.find((r) => r.sourceRef === sourceRef);
  });

/**
 * The feature all these requests were triaged into, once its issue exists in the Linear emulator. Not waiting for
 * later pushes of the issue: the status change reaches every request on the feature either way.
 */
async function linkedFeatureOf(...requestIds: string[]) {
  const featureIds = new Set(await Promise.all(requestIds.map((id) => svc.featureOf(id))));
  expect(featureIds.size).toBe(1);
  const [featureId = ''] = featureIds;
  const link = await waitFor(`feature ${featureId} linked`, async () => {
    const [l] = await svc.runtime.store.links.forFeature(featureId);
    return l?.state === 'linked' && l.issueId ? l : undefined;
  });
  return { featureId, issueId: link.issueId ?? '' };
}

/** Waits until the feature has `count` outbox rows and none is pending. */
const settled = (featureId: string, count: number) =>
  waitFor(`${count} notifications of feature ${featureId} settled`, async () => {
    const rows = await drive.rows(featureId);
    return rows.length === count && rows.every((r) => r.state !== 'pending' && r.state !== 'sending')
      ? rows
      : undefined;
  });

const channelsOf = (rows: Awaited<ReturnType<typeof drive.rows>>, requestId: string) =>
  rows
    .filter((r) => r.requestId === requestId)
    .map((r) => [r.channel, r.state])
    .sort();

describe('reply-back through the outbox into the real sources', () => {
  it('replyBack thread: one public comment on the ticket, no email to its requester; an API requester gets email', async () => {
    const fromTicket = await requestFrom('zd-thread', '1');
    expect(fromTicket.sourceThread).toEqual({ ticketId: 1 });
    // A requester from the plain API asks for the same thing: no thread, so email.
    const res = await svc.post(
      '/v1/requests',
      validRequest({
        title: 'Ticket merging',
        body: 'Tom: we need Ticket merging.',
        requester: { email: 'tom@acme.io', name: 'Tom' },
      }),
    );
    expect(res.status).toBe(202);
    const fromApi = (await res.json()) as { id: string };
    const { featureId, issueId } = await linkedFeatureOf(fromTicket.id, fromApi.id);

    await drive.move(issueId, 'started');
    await drive.statusIs(featureId, 'in_progress');
    const rows = await settled(featureId, 2);
    expect(channelsOf(rows, fromTicket.id)).toEqual([['source', 'sent']]);
    expect(channelsOf(rows, fromApi.id)).toEqual([['email', 'sent']]);

    const comments = zendesk.replies.filter((r) => r.ticketId === 1);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.public).toBe(true);
    expect(comments[0]?.body).toContain('being built');
    expect(comments[0]?.body).toContain('Ticket merging');
    // Only that ticket was written to (the other tickets' features have not moved).
    expect(zendesk.replies.map((r) => r.ticketId)).toEqual([1]);
    expect(smtp.to('tom@acme.io')).toHaveLength(1);
    expect(smtp.to('ray@globex.io')).toHaveLength(0);
    expect(smtp.rcptAttempts).not.toContain('ray@globex.io');

    // The send job run again for the sent row changes nothing: still one comment.
    const sourceRow = rows.find((r) => r.channel === 'source');
    const again = await svc.runtime.queues
      .queue('notify')
      .add('notify-send', { notificationId: sourceRow?.id ?? '' });
    await waitFor('the repeated send job finished', async () =>
      (await again.isCompleted()) ? true : undefined,
    );
    expect(zendesk.replies.filter((r) => r.ticketId === 1)).toHaveLength(1);
  });

  it('replyBack both, and thread with alsoEmail: a comment on each ticket and an email to each requester, once each', async () => {
    const both = await requestFrom('zd-both', '2');
    const also = await requestFrom('zd-also', '3');
    const { featureId, issueId } = await linkedFeatureOf(both.id, also.id);

    await drive.move(issueId, 'started');
    await drive.statusIs(featureId, 'in_progress');
    const rows = await settled(featureId, 4);
    for (const request of [both, also]) {
      expect(channelsOf(rows, request.id)).toEqual([
        ['email', 'sent'],
        ['source', 'sent'],
      ]);
    }
    expect(smtp.to('sue@globex.io')).toHaveLength(1);
    expect(smtp.to('una@globex.io')).toHaveLength(1);
    for (const ticketId of [2, 3]) {
      const comments = zendesk.replies.filter((r) => r.ticketId === ticketId);
      expect(comments).toHaveLength(1);
      expect(comments[0]?.body).toContain('being built');
    }
    expect(zendesk.replies.some((r) => r.ticketId === 9)).toBe(false);
  });

  it('Slack replyBack thread: chat.postMessage in the message thread once, no email', async () => {
    const body = JSON.stringify({
      type: 'event_callback',
      team_id: 'T0TEST',
      event_id: 'EvReplyBack1',
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: 'reaction_added',
        user: 'UPM',
        reaction: 'bulb',
        item_user: 'UVAL',
        item: { type: 'message', channel: 'CFEED', ts: '1748945000.000300' },
        event_ts: `${Math.floor(Date.now() / 1000)}.000100`,
      },
    });
    const stamp = String(Math.floor(Date.now() / 1000));
    const res = await fetch(`${svc.url}/webhooks/sources/slack-main`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': stamp,
        'x-slack-signature': signSlackBody(SLACK_SECRET, stamp, body),
      },
      body,
    });
    expect(res.status).toBe(200);
    const request = await requestFrom('slack-main', 'CFEED:1748945000.000300');
    const { featureId, issueId } = await linkedFeatureOf(request.id);

    await drive.move(issueId, 'started');
    await drive.statusIs(featureId, 'in_progress');
    const rows = await settled(featureId, 1);
    expect(channelsOf(rows, request.id)).toEqual([['source', 'sent']]);
    // In the thread the message belongs to (its parent's ts), carrying the row's Message-ID as metadata.
    expect(slack.posted).toHaveLength(1);
    expect(slack.posted[0]).toMatchObject({
      channel: 'CFEED',
      threadTs: '1748944900.000200',
      metadata: { event_payload: { message_id: rows[0]?.messageId } },
    });
    expect(slack.posted[0]?.text).toContain('being built');
    expect(smtp.to('val@initech.io')).toHaveLength(0);
    expect(smtp.rcptAttempts).not.toContain('val@initech.io');
  });
});
