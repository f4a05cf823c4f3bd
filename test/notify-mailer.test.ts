import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer, MailSendError, type OutgoingMail } from '../src/connectors/mail/client.ts';
import { devMail } from '../src/store/schema.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { startSmtpServer } from './helpers/smtp.ts';

/** The mail connector on its own: SMTP with auth against a real server, and the dev outbox in a real database. */

const mail = (overrides: Partial<OutgoingMail> = {}): OutgoingMail => ({
  to: { name: 'Ann "the dev" Lee', address: 'ann@acme.io' },
  subject: 'Your request "Dark mode" is in progress',
  text: 'Plain words.',
  html: '<p>Plain words.</p>',
  headers: {
    'List-Unsubscribe': '<https://ideas.example.com/unsubscribe/t/one-click>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
  messageId: '<3f1c0a4e-7d1b-4a57-9a3e-2b8f4f0a9c11@ideas.example.com>',
  ...overrides,
});

describe('SMTP', () => {
  it('authenticates as SMTP_URL says and sends headers, reply-to and Message-ID as given', async () => {
    const smtp = await startSmtpServer({ auth: { user: 'mailer', pass: 's3cret pass' } });
    const mailer = createMailer({
      smtpUrl: smtp.url,
      from: 'Acme Ideas <ideas@example.com>',
      replyTo: 'support@example.com',
      saveDevMail: () => Promise.reject(new Error('not used with SMTP')),
    });
    try {
      expect(mailer.kind).toBe('smtp');
      await mailer.send(mail());
      const [got] = await smtp.waitFor(1);
      expect(got?.envelope).toEqual({ from: 'ideas@example.com', to: ['ann@acme.io'] });
      expect(got?.messageId).toBe(mail().messageId);
      expect(got?.parsed.replyTo?.text).toBe('support@example.com');
      expect(got?.parsed.subject).toBe(mail().subject);
      expect(got?.parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe(
        'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
      );
    } finally {
      mailer.close();
      await smtp.close();
    }
  });

  it('wrong credentials are a transient failure (the row waits for the fix), a 550 a permanent bounce', async () => {
    const smtp = await startSmtpServer({ auth: { user: 'mailer', pass: 'right' } });
    const wrong = createMailer({
      smtpUrl: smtp.url.replace(':right@', ':wrong@'),
      from: 'ideas@example.com',
      saveDevMail: () => Promise.resolve(),
    });
    const right = createMailer({
      smtpUrl: smtp.url,
      from: 'ideas@example.com',
      saveDevMail: () => Promise.resolve(),
    });
    try {
      // What `npm run doctor` checks: connect and authenticate, send nothing.
      await right.verify();
      const refused = await wrong.verify().catch((err: unknown) => err);
      expect((refused as MailSendError).failure.reason).toContain('535');
      const failed = await wrong.send(mail()).catch((err: unknown) => err);
      expect(failed).toBeInstanceOf(MailSendError);
      expect((failed as MailSendError).failure).toMatchObject({ kind: 'transient' });
      smtp.failRcpt({ code: 550, message: '5.1.1 no such user', address: 'ann@acme.io' });
      const bounced = await right.send(mail()).catch((err: unknown) => err);
      expect((bounced as MailSendError).failure).toEqual({
        kind: 'permanent',
        reason: 'SMTP 550 5.1.1 no such user',
        hardBounce: true,
      });
      expect(smtp.messages).toHaveLength(0);
    } finally {
      wrong.close();
      right.close();
      await smtp.close();
    }
  });
});

describe('dev outbox (no SMTP_URL)', () => {
  let database: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    database = await createTestDatabase();
    store = openStore(
      database.url ? { kind: 'postgres', url: database.url } : { kind: 'pglite', dataDir: database.dataDir },
    );
    await store.migrate();
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('stores the RFC 5322 message SMTP would have carried, once per Message-ID', async () => {
    const mailer = createMailer({
      smtpUrl: undefined,
      from: 'Acme Ideas <ideas@example.com>',
      replyTo: 'support@example.com',
      saveDevMail: (m) => store.devMail.save(m),
    });
    expect(mailer.kind).toBe('dev-outbox');
    await mailer.send(mail());
    await mailer.send(mail());
    const rows = await store.db.select().from(devMail);
    expect(rows).toHaveLength(1);
    const parsed = await simpleParser(rows[0]?.raw ?? '');
    expect(parsed.messageId).toBe(mail().messageId);
    expect(parsed.from?.text).toBe('"Acme Ideas" <ideas@example.com>');
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0] : undefined).toEqual({
      name: 'Ann "the dev" Lee',
      address: 'ann@acme.io',
    });
    expect(parsed.text?.trim()).toBe('Plain words.');
    expect(parsed.html).toContain('<p>Plain words.</p>');
    expect(rows[0]).toMatchObject({ to: 'ann@acme.io', subject: mail().subject });
  });
});
