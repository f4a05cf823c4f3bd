import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntakeWriter } from '../src/application/intake-writer.ts';
import { createLogger } from '../src/log.ts';
import { createMetrics } from '../src/metrics.ts';
import { intakeSources } from '../src/store/schema.ts';
import { dovecotMissing, startDovecot, type TestImapServer } from './helpers/dovecot.ts';
import { requestsOf, sourcePullJob } from './helpers/intake.ts';
import { captureLogs } from './helpers/logs.ts';
import { startService, type TestService } from './helpers/service.ts';
import { type SmtpTestServer, startSmtpServer } from './helpers/smtp.ts';

/**
 * The email inbox source against a real IMAP server (a private Dovecot) through the real imapflow client, stored by
 * the real pull job into PGlite or Postgres; replies go to a real SMTP server on loopback.
 */

let imap: TestImapServer;
let smtp: SmtpTestServer;
let svc: TestService;
const { log: jobLog, logs: jobLogs } = captureLogs();

/** Each test reads its own mailbox through its own source, so tests share no cursor and no messages. */
const MAILBOXES = {
  'inbox-pages': 'Pages',
  'inbox-crash': 'Crash',
  'inbox-filter': 'Filter',
  'inbox-malformed': 'Malformed',
  'inbox-reply': 'Reply',
} as const;

function sourcesYaml(): string {
  const entries = Object.entries(MAILBOXES).map(
    ([id, mailbox]) => `
  - id: ${id}
    kind: email-inbox
    host: 127.0.0.1
    port: ${imap.port}
    secure: false
    user: ${imap.user}
    passwordEnv: INBOX_PASSWORD
    mailbox: ${mailbox}
    pageSize: 2
    smtpUrlEnv: INBOX_SMTP_URL
    replyFrom: Support <support@example.test>`,
  );
  const badAuth = `
  - id: inbox-badauth
    kind: email-inbox
    host: 127.0.0.1
    port: ${imap.port}
    secure: false
    user: ${imap.user}
    passwordEnv: INBOX_WRONG_PASSWORD
    mailbox: Pages`;
  return `sources:${entries.join('')}${badAuth}\n`;
}

let seq = 0;
function mail(o: {
  from?: string | null;
  subject?: string;
  text: string;
  headers?: Record<string, string>;
  messageId?: string | null | undefined;
  references?: string;
}): string {
  seq += 1;
  const lines = [
    ...(o.from === null ? [] : [`From: ${o.from ?? 'Ada Lovelace <ada@acme.example>'}`]),
    'To: requests@example.test',
    `Subject: ${o.subject ?? `Request ${seq}`}`,
    'Date: Tue, 03 Jun 2025 10:00:00 +0000',
    ...(o.messageId === null ? [] : [`Message-ID: ${o.messageId ?? `<m${seq}.${Date.now()}@acme.example>`}`]),
    ...(o.references ? [`References: ${o.references}`] : []),
    ...Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    ...o.text.split('\n'),
    '',
  ];
  return lines.join('\r\n');
}

function pullJob() {
  return sourcePullJob(svc.runtime, jobLog).pull;
}

async function sourceRow(id: string) {
  const [row] = await svc.runtime.store.db.select().from(intakeSources).where(eq(intakeSources.id, id));
  return row;
}

async function createMailbox(name: string) {
  const client = await imap.client();
  try {
    await client.mailboxCreate(name);
  } finally {
    await client.logout();
  }
}

describe.skipIf(dovecotMissing !== undefined)(
  `email inbox source (IMAP)${dovecotMissing ? `: skipped, ${dovecotMissing}` : ''}`,
  () => {
    beforeAll(async () => {
      imap = await startDovecot();
      smtp = await startSmtpServer();
      for (const mailbox of Object.values(MAILBOXES)) await createMailbox(mailbox);
      svc = await startService({
        role: 'api',
        yaml: sourcesYaml(),
        env: {
          INBOX_PASSWORD: imap.password,
          INBOX_WRONG_PASSWORD: 'not-the-password',
          INBOX_SMTP_URL: smtp.url,
        },
      });
    }, 120_000);

    afterAll(async () => {
      await svc?.stop();
      await smtp?.close();
      await imap?.close();
    });

    it('pulls to the end in pages, storing the cursor after each, and later pulls only what is new', async () => {
      const pull = pullJob();
      for (let i = 1; i <= 5; i++)
        await imap.deliver(mail({ subject: `Paged ${i}`, text: `Please add ${i}.` }), 'Pages');
      expect(await pull({ sourceId: 'inbox-pages' })).toEqual({ pulled: 5, pages: 3 });
      const firstCursor = (await sourceRow('inbox-pages'))?.cursor;
      expect(firstCursor).toMatch(/^\d+:5$/);
      expect((await requestsOf(svc.runtime.store, 'inbox-pages')).map((r) => r.title).sort()).toEqual([
        'Paged 1',
        'Paged 2',
        'Paged 3',
        'Paged 4',
        'Paged 5',
      ]);

      // Nothing new: nothing read, nothing stored.
      expect(await pull({ sourceId: 'inbox-pages' })).toEqual({ pulled: 0, pages: 0 });
      for (let i = 6; i <= 7; i++)
        await imap.deliver(mail({ subject: `Paged ${i}`, text: `Please add ${i}.` }), 'Pages');
      expect(await pull({ sourceId: 'inbox-pages' })).toEqual({ pulled: 2, pages: 1 });
      expect((await sourceRow('inbox-pages'))?.cursor).toBe(firstCursor?.replace(/:5$/, ':7'));
      const rows = await requestsOf(svc.runtime.store, 'inbox-pages');
      expect(rows).toHaveLength(7);
      const one = rows.find((r) => r.title === 'Paged 6');
      expect(one?.submittedRequester).toEqual({ email: 'ada@acme.example', name: 'Ada Lovelace' });
      expect(one?.body).toBe('Please add 6.');
      expect(one?.sourceRef).toMatch(/^<m\d+\.\d+@acme\.example>$/);
    });

    it('resumes from the stored UID cursor after a crash mid-pull, and starts over free when UIDVALIDITY changes', async () => {
      const ids: string[] = [];
      for (let i = 1; i <= 5; i++) {
        const id = `<crash-${i}.${Date.now()}@acme.example>`;
        ids.push(id);
        await imap.deliver(mail({ subject: `Crash ${i}`, text: `Item ${i}`, messageId: id }), 'Crash');
      }
      // The first page is stored with its cursor exactly as the job does, then the process "dies" mid-pull.
      const source = svc.runtime.sources.get('inbox-crash');
      if (!source) throw new Error('inbox-crash is not configured');
      const row = await svc.runtime.store.intake.ensure('inbox-crash', 'email-inbox');
      const iterator = source.pull(row.cursor)[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done) throw new Error('expected a first page');
      const write = createIntakeWriter({
        ...svc.runtime,
        metrics: createMetrics(),
        log: createLogger({ level: 'silent' }),
      });
      await write('inbox-crash', first.value, { expectedCursor: row.cursor, cursor: first.value.cursor });
      await iterator.return?.(undefined);
      expect(await requestsOf(svc.runtime.store, 'inbox-crash')).toHaveLength(2);

      // The next pull reads only the two pages after the stored cursor.
      expect(await pullJob()({ sourceId: 'inbox-crash' })).toEqual({ pulled: 3, pages: 2 });
      expect((await requestsOf(svc.runtime.store, 'inbox-crash')).map((r) => r.sourceRef).sort()).toEqual(
        [...ids].sort(),
      );
      const before = (await sourceRow('inbox-crash'))?.cursor ?? '';

      // The mailbox is recreated (new UIDVALIDITY) with the same five messages and one more.
      const client = await imap.client();
      await client.mailboxDelete('Crash');
      await client.mailboxCreate('Crash');
      await client.logout();
      for (let i = 1; i <= 5; i++) {
        await imap.deliver(
          mail({ subject: `Crash ${i}`, text: `Item ${i}`, messageId: ids[i - 1] }),
          'Crash',
        );
      }
      await imap.deliver(
        mail({ subject: 'Crash 6', text: 'Item 6', messageId: '<crash-6@acme.example>' }),
        'Crash',
      );
      expect(await pullJob()({ sourceId: 'inbox-crash' })).toEqual({ pulled: 1, pages: 3 });
      expect(await requestsOf(svc.runtime.store, 'inbox-crash')).toHaveLength(6);
      const after = (await sourceRow('inbox-crash'))?.cursor ?? '';
      expect(after.split(':')[0]).not.toBe(before.split(':')[0]);
      expect(after.split(':')[1]).toBe('6');
    });

    it('skips auto-replies and bulk mail, and strips quoted history and signatures', async () => {
      const request = mail({
        subject: 'Re: Fwd: Export to CSV',
        from: 'Grace Hopper <grace@navy.example>',
        text: [
          'Hi team,',
          '',
          'We need to export every report to CSV for our auditors.',
          '',
          'Thanks,',
          'Grace',
          'Rear Admiral, Navy',
          '',
          'On Mon, 2 Jun 2025 at 09:00, Support <support@example.test> wrote:',
          '> How can we help?',
          '> Old text that must not be stored.',
        ].join('\n'),
      });
      const withSeparator = mail({
        subject: 'Dark mode',
        from: 'linus@kernel.example',
        text: 'A dark theme, please.\n\n-- \nLinus\nPhone: 555 0100',
        headers: { 'Auto-Submitted': 'no' },
      });
      const automated = [
        mail({ subject: 'Out of office', text: 'I am away.', headers: { 'Auto-Submitted': 'auto-replied' } }),
        mail({ subject: 'Weekly digest', text: 'News.', headers: { Precedence: 'bulk' } }),
        mail({
          subject: 'Newsletter',
          text: 'Offers.',
          headers: { 'List-Unsubscribe': '<mailto:leave@list.example>' },
        }),
        mail({
          subject: 'Mailing list post',
          text: 'Hi list.',
          headers: { 'List-Id': 'Users <users.list.example>' },
        }),
        mail({ subject: 'Away', text: 'Back Monday.', headers: { 'X-Autoreply': 'yes' } }),
        mail({
          subject: 'Undelivered Mail Returned to Sender',
          text: 'Bounce.',
          from: 'MAILER-DAEMON@mx.example',
        }),
      ];
      for (const raw of [request, ...automated, withSeparator]) await imap.deliver(raw, 'Filter');
      await pullJob()({ sourceId: 'inbox-filter' });

      const rows = await requestsOf(svc.runtime.store, 'inbox-filter');
      expect(rows.map((r) => r.title).sort()).toEqual(['Dark mode', 'Export to CSV']);
      const csv = rows.find((r) => r.title === 'Export to CSV');
      expect(csv?.body).toBe('Hi team,\n\nWe need to export every report to CSV for our auditors.');
      expect(csv?.submittedRequester).toEqual({ email: 'grace@navy.example', name: 'Grace Hopper' });
      expect(rows.find((r) => r.title === 'Dark mode')?.body).toBe('A dark theme, please.');
      // Skipped mail is not an error: the cursor still moved past all eight messages.
      expect((await sourceRow('inbox-filter'))?.cursor).toMatch(/:8$/);
    });

    it('rejects malformed mail with a logged reason and keeps the rest', async () => {
      await imap.deliver(mail({ subject: 'Good one', text: 'Keep me.' }), 'Malformed');
      await imap.deliver(mail({ subject: 'No sender', text: 'Who sent this?', from: null }), 'Malformed');
      await imap.deliver(
        mail({ subject: 'Bad sender', text: 'Unreplyable.', from: 'Someone <not-an-address>' }),
        'Malformed',
      );
      await imap.deliver(mail({ subject: '', text: '', messageId: '<empty@acme.example>' }), 'Malformed');
      await imap.deliver(mail({ subject: 'Good two', text: 'Keep me too.' }), 'Malformed');
      const before = jobLogs.length;
      await pullJob()({ sourceId: 'inbox-malformed' });

      expect((await requestsOf(svc.runtime.store, 'inbox-malformed')).map((r) => r.title).sort()).toEqual([
        'Good one',
        'Good two',
      ]);
      const rejected = jobLogs
        .slice(before)
        .map((l) => JSON.parse(l) as { msg: string; sourceId?: string; reason?: string; ref?: string })
        .filter((l) => l.msg === 'source item rejected' && l.sourceId === 'inbox-malformed');
      expect(rejected.map((l) => l.reason).sort()).toEqual([
        'no sender address in From',
        'no subject and no text',
        'the From address is not a valid email address',
      ]);
      expect(rejected.find((l) => l.reason === 'no subject and no text')?.ref).toBe('<empty@acme.example>');
      // Customer text never reaches the log.
      expect(jobLogs.join('\n')).not.toContain('Who sent this?');
      expect((await sourceRow('inbox-malformed'))?.cursor).toMatch(/:5$/);
    });

    it('bad credentials mark only that source unhealthy', async () => {
      await expect(pullJob()({ sourceId: 'inbox-badauth' })).rejects.toThrow(/refused the credentials/);
      const bad = await sourceRow('inbox-badauth');
      expect(bad?.healthy).toBe(false);
      expect(bad?.lastError).toMatch(/IMAP server refused the credentials/);
      expect(bad?.lastError).not.toContain('not-the-password');
      expect(bad?.cursor).toBeNull();
      // Another source on the same server is untouched and keeps pulling.
      await imap.deliver(mail({ subject: 'Still flowing', text: 'Yes.' }), 'Pages');
      const outcome = await pullJob()({ sourceId: 'inbox-pages' });
      expect(outcome).toMatchObject({ pages: 1 });
      expect((await sourceRow('inbox-pages'))?.healthy).toBe(true);
      await expect(svc.runtime.sources.get('inbox-badauth')?.check()).rejects.toMatchObject({ kind: 'auth' });
    });

    it('replies by email in the thread: In-Reply-To, References and Re: subject', async () => {
      await imap.deliver(
        mail({
          subject: 'Single sign-on',
          from: 'Margaret Hamilton <margaret@apollo.example>',
          text: 'We need SAML.',
          messageId: '<sso-1@apollo.example>',
          references: '<earlier-1@apollo.example> <earlier-2@apollo.example>',
        }),
        'Reply',
      );
      await pullJob()({ sourceId: 'inbox-reply' });
      const [row] = await requestsOf(svc.runtime.store, 'inbox-reply');
      if (!row) throw new Error('the request was not stored');
      expect(row.sourceThread).toMatchObject({
        messageId: '<sso-1@apollo.example>',
        subject: 'Single sign-on',
      });

      const source = svc.runtime.sources.get('inbox-reply');
      await source?.reply?.(
        { sourceRef: row.sourceRef, sourceThread: row.sourceThread, url: row.url },
        { text: 'Good news: single sign-on is planned.', messageId: '<notify-1@suggested.example>' },
      );
      const [sent] = await smtp.waitFor(1);
      expect(sent?.envelope.to).toEqual(['margaret@apollo.example']);
      expect(sent?.parsed.subject).toBe('Re: Single sign-on');
      expect(sent?.parsed.inReplyTo).toBe('<sso-1@apollo.example>');
      expect(sent?.parsed.references).toEqual([
        '<earlier-1@apollo.example>',
        '<earlier-2@apollo.example>',
        '<sso-1@apollo.example>',
      ]);
      expect(sent?.messageId).toBe('<notify-1@suggested.example>');
      expect(sent?.parsed.text?.trim()).toBe('Good news: single sign-on is planned.');
      expect(sent?.parsed.from?.value[0]?.address).toBe('support@example.test');
    });
  },
);
