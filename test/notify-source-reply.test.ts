import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../src/connectors/errors.ts';
import { linearDriver } from './helpers/notify.ts';
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
      async replyInSource(input) {
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
    const rows = await waitFor('all rows settled', async () => {
      const all = await drive.rows(featureId);
      return all.length === 5 && all.every((r) => r.state !== 'pending' && r.state !== 'sending')
        ? all
        : undefined;
    });
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
});
