import type { Transporter } from 'nodemailer';
import { classifySendError, type MailErrorFields, type SendFailure } from './errors.ts';

/** One message to one person, rendered (rules/notify/render.ts) and addressed. */
export interface OutgoingMail {
  to: { name: string | null; address: string };
  subject: string;
  text: string;
  html: string;
  /** List-Unsubscribe and List-Unsubscribe-Post (RFC 8058). */
  headers: Record<string, string>;
  /** Stable per notification (`<id@host>`): a resend after a crash is the same message to the receiving side. */
  messageId: string;
}

/** A send the mail system refused or could not take, classified (errors.ts). */
export class MailSendError extends Error {
  override readonly name = 'MailSendError';
  readonly failure: SendFailure;
  constructor(failure: SendFailure, cause: unknown) {
    super(failure.reason, { cause });
    this.failure = failure;
  }
}

export interface Mailer {
  /** `smtp`: SMTP_URL; `dev-outbox`: rendered into the dev_mail table, shown at /dev/mail. */
  kind: 'smtp' | 'dev-outbox';
  /** Resolves once the SMTP server accepted the message; throws MailSendError. */
  send(mail: OutgoingMail): Promise<void>;
  /** Connects and authenticates without sending (doctor); throws MailSendError. The dev outbox has nothing to check. */
  verify(): Promise<void>;
  close(): void;
}

interface MailerOptions {
  /**
   * `smtp://user:pass@host:587` (STARTTLS when the server offers it), `smtps://user:pass@host:465` (TLS from the
   * start); nodemailer's query options apply (`?requireTLS=true`, `?tls.rejectUnauthorized=false` for a private CA
   * in a lab). https://nodemailer.com/smtp/#connection-url
   */
  smtpUrl: string | undefined;
  /** MAIL_FROM. */
  from: string;
  /** `notifications.replyTo`. */
  replyTo?: string | undefined;
  /** Where messages go without SMTP_URL (development): the dev outbox. */
  saveDevMail: (mail: { messageId: string; to: string; subject: string; raw: string }) => Promise<void>;
}

/**
 * A transport made on first use: nodemailer is loaded then, so a process that never sends mail (an API process
 * whose console nobody signs in to by email, a worker with nothing to notify) never loads it.
 */
function lazyTransport(options: Parameters<typeof import('nodemailer').createTransport>[0]) {
  let made: Promise<Transporter> | undefined;
  return {
    get: () => {
      made ??= import('nodemailer').then(({ createTransport }) => createTransport(options));
      return made;
    },
    close: () => {
      void made?.then(
        (transport) => transport.close(),
        () => {},
      );
    },
  };
}

/**
 * Sends status mail with nodemailer: over SMTP_URL through a small connection pool, or, without it, through
 * nodemailer's stream transport into the dev outbox as the exact RFC 5322 message SMTP would have carried.
 */
export function createMailer(options: MailerOptions): Mailer {
  const message = (mail: OutgoingMail) => ({
    from: options.from,
    to: { name: mail.to.name ?? '', address: mail.to.address },
    ...(options.replyTo ? { replyTo: options.replyTo } : {}),
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: mail.headers,
    messageId: mail.messageId,
  });

  if (!options.smtpUrl) {
    const stream = lazyTransport({ streamTransport: true, buffer: true, newline: 'crlf' });
    return {
      kind: 'dev-outbox',
      async send(mail) {
        const info = await (await stream.get()).sendMail(message(mail));
        const raw = Buffer.isBuffer(info.message) ? info.message.toString('utf8') : String(info.message);
        await options.saveDevMail({
          messageId: mail.messageId,
          to: mail.to.address,
          subject: mail.subject,
          raw,
        });
      },
      verify: () => Promise.resolve(),
      close: stream.close,
    };
  }

  const smtp = lazyTransport({
    url: options.smtpUrl,
    pool: true,
    maxConnections: 4,
    // Bounded waits so a stuck server becomes a retry, not a job that holds its lock forever.
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
  return {
    kind: 'smtp',
    async send(mail) {
      const transport = await smtp.get();
      try {
        await transport.sendMail(message(mail));
      } catch (err) {
        throw new MailSendError(classifySendError(err as MailErrorFields), err);
      }
    },
    async verify() {
      const transport = await smtp.get();
      try {
        await transport.verify();
      } catch (err) {
        throw new MailSendError(classifySendError(err as MailErrorFields), err);
      }
    },
    close: smtp.close,
  };
}
