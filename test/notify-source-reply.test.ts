import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../src/connectors/errors.ts';
import { emailKey } from '../src/rules/normalise.ts';
import { mailSuppressions, requests } from '../src/store/schema.ts';
import { linearDriver, requesterIdOf } from './helpers/notify.ts';
import { startService, type TestService, waitFor } from './helpers/service.ts';
import { type SmtpTestServer, startSmtpServer } from './helpers/smtp.ts';

/**
 * The `source` channel: which channels a requester hears on is decided per request by the injected `channelsFor`,
 * and a `source` row is answered through the injected `replyInSource` with its own reply text (no links, no
 * greeting: the thread is shared) and the row's Message-ID.
 * Its ConnectorError kinds decide: transient retries, anything else fails the row with the reason.
 */

interface Reply {
  requestId: string;
  source: string;
  sourceRef: string | null;
  text: string;
  messageId: string;
}

let smtp: SmtpTestServer;
let svc: TestService;
let drive: ReturnType<typeof linearDriver>;
const replies: Reply[] = [];
let zendeskFailuresLeft = 1;

beforeAll(async () => {
  smtp = await startSmtpServer();
  svc = await startService({
    env: { SMTP_URL: smtp.url, MAIL_FROM: 'ideas@example.com', NOTIFY_COALESCE_SECONDS: '1' },
    yaml: ['push:', '  coalesceSeconds: 1'].join('\n'),
    runtime: {
      // Tickets are answered in the ticket as well as by email; anything else by email only.
      channelsFor: ({ source }) => (source === 'api' ? ['email'] : ['email', 'source']),
      // The `inbox` source answers by email (as an email-inbox source does).
      repliesByMail: (source) => source === 'inbox',
      async replyInSource(input) {
        if (input.source === 'inbox' && input.sourceRef === 'bounce') {
          // What the email-inbox connector throws for a reply refused at RCPT (classifyInboxError).
          throw new ConnectorError(
            'invalid_input',
            'email-inbox',
            'the SMTP server rejected the reply (550)',
            {
              cause: Object.assign(new Error("Can't send mail"), {
                responseCode: 550,
                command: 'RCPT TO',
                response: '550 5.1.1 <gus@gamma.io>: Recipient address rejected',
              }),
            },
          );
        }
        if (input.source === 'intercom')
          throw new ConnectorError('invalid_input', 'intercom', 'conversation closed');
        if (zendeskFailuresLeft-- > 0) throw new ConnectorError('transient', 'zendesk', '503 from Zendesk');
        replies.push(input);
      },
    },
  });
  drive = linearDriver(svc);
}, 120_000);
afterAll(async () => {
  await svc?.stop();
  await smtp?.close();
});

/** The feature's outbox rows once there are `count` and none is waiting or being sent. */
const settledRows = (featureId: string, count: number) =>
  waitFor(`${count} rows settled`, async () => {
    const all = await drive.rows(featureId);
    return all.length === count && all.every((r) => r.state !== 'pending' && r.state !== 'sending')
      ? all
      : undefined;
  });

describe('replies in the source', () => {
  it('answers each ticket once (after a transient failure), fails a refused one with the reason', async () => {
    const { featureId, issueId, requestIds } = await drive.featureWith('Ticket merging', [
      {
        email: 'ray@acme.io',
        name: 'Ray',
        source: 'zendesk',
        sourceRef: 'ZD-101',
        body: 'Merge duplicate tickets.',
      },
      { email: 'sue@acme.io', name: 'Sue', source: 'intercom', sourceRef: 'IC-7' },
      { email: 'tom@acme.io', name: 'Tom' },
    ]);
    await drive.move(issueId, 'started');
    const rows = await settledRows(featureId, 5);
    const bySource = (channel: string, state: string) =>
      rows.filter((r) => r.channel === channel && r.state === state);
    expect(bySource('email', 'sent')).toHaveLength(3);
    const [zendeskRow] = bySource('source', 'sent');
    const [intercomRow] = bySource('source', 'failed');
    expect(zendeskRow?.attempts).toBe(1);
    expect(intercomRow?.reason).toBe('intercom invalid_input: conversation closed');
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({
      requestId: requestIds[0],
      source: 'zendesk',
      sourceRef: 'ZD-101',
      messageId: zendeskRow?.messageId,
    });
    // The thread is shared: the feature and its status, no link that acts for Ray, no greeting, no address.
    expect(replies[0]?.text).toContain('“Ticket merging”');
    expect(replies[0]?.text).toContain('Status: being built');
    expect(replies[0]?.text).not.toMatch(/https?:|unsubscribe|Ray|ray@acme\.io/i);
    // The email Ray gets still has the status page and the unsubscribe link.
    const toRay = (await smtp.waitFor(3)).find((m) => m.envelope.to[0] === 'ray@acme.io');
    expect(toRay?.parsed.text).toMatch(/unsubscribe/i);
    await smtp.waitFor(3);
    expect(smtp.messages.map((m) => m.envelope.to[0]).sort()).toEqual([
      'ray@acme.io',
      'sue@acme.io',
      'tom@acme.io',
    ]);
  });

  it('a source whose reply is an email: a suppressed address gets none, and a bounce of one suppresses it', async () => {
    const store = svc.runtime.store;
    await store.notifications.suppressAddress(emailKey('ann@beta.io'), 'hard bounce: earlier');
    await store.notifications.suppressAddress(emailKey('zed@beta.io'), 'hard bounce: earlier');
    await store.notifications.suppressAddress(emailKey('ivy.alias@delta.io'), 'hard bounce: earlier');
    const { featureId, issueId, requestIds } = await drive.featureWith('Shared inbox rules', [
      { email: 'ann@beta.io', source: 'inbox', sourceRef: '<ann-1@beta.io>' },
      { email: 'gus@gamma.io', source: 'inbox', sourceRef: 'bounce' },
      // A Zendesk comment is not mail: a suppressed address still hears in its ticket.
      { email: 'zed@beta.io', source: 'zendesk', sourceRef: 'ZD-202' },
      // Her mail asked for replies at another address (Reply-To), and that one bounced before.
      { email: 'ivy@delta.io', source: 'inbox', sourceRef: '<ivy-1@delta.io>' },
      // Suppressed after the rows are written, before they are sent: the send checks again.
      { email: 'kim@delta.io', source: 'inbox', sourceRef: '<kim-1@delta.io>' },
    ]);
    await store.db
      .update(requests)
      .set({ sourceThread: { replyTo: 'Ivy.Alias@delta.io' } })
      .where(eq(requests.id, requestIds[3] ?? ''));
    const sentBefore = smtp.messages.length;
    await drive.move(issueId, 'started');
    await waitFor('rows for kim', async () => {
      const all = await drive.rows(featureId);
      return all.filter((r) => r.state === 'pending').length >= 2 ? true : undefined;
    });
    await store.notifications.suppressAddress(emailKey('kim@delta.io'), 'complaint');
    const rows = await settledRows(featureId, 6);
    // Ann: nothing at all. Gus: status mail, and his reply by email bounced. Zed: the ticket only. Ivy: status mail
    // to her own address, no reply to the suppressed one. Kim: both held back at send time.
    const emailOf = new Map<string, string>();
    for (const email of ['gus@gamma.io', 'zed@beta.io', 'ivy@delta.io', 'kim@delta.io'])
      emailOf.set(await requesterIdOf(svc, email), email);
    expect(rows.map((r) => `${emailOf.get(r.requesterId)} ${r.channel} ${r.state}`).sort()).toEqual([
      'gus@gamma.io email sent',
      'gus@gamma.io source failed',
      'ivy@delta.io email sent',
      'kim@delta.io email suppressed',
      'kim@delta.io source suppressed',
      'zed@beta.io source sent',
    ]);
    expect(replies.map((r) => r.sourceRef)).toContain('ZD-202');
    for (const ref of ['<ann-1@beta.io>', '<ivy-1@delta.io>', '<kim-1@delta.io>'])
      expect(replies.map((r) => r.sourceRef)).not.toContain(ref);
    await smtp.waitFor(sentBefore + 2);
    expect(
      smtp.messages
        .slice(sentBefore)
        .map((m) => m.envelope.to[0])
        .sort(),
    ).toEqual(['gus@gamma.io', 'ivy@delta.io']);
    // The bounce suppressed Gus's address, without his address in the reason.
    const [suppressed] = await store.db
      .select()
      .from(mailSuppressions)
      .where(eq(mailSuppressions.emailKey, emailKey('gus@gamma.io')));
    expect(suppressed?.reason).toMatch(/^hard bounce: SMTP 550 5\.1\.1 <address>/);
  });
});
