import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { classifyInboxError } from './errors.ts';
import { emailInboxSpec } from './spec.ts';

/** One open, read-only view of a mailbox over IMAP (`imapflow`). Every method throws ConnectorError. */
export interface MailboxSession {
  /** UIDVALIDITY of the mailbox: UIDs from another value mean other messages. */
  uidValidity: string;
  /** UIDs above `lastUid`, ascending. */
  uidsAfter(lastUid: number): Promise<number[]>;
  /** The raw messages with these UIDs (RFC 822 source and arrival time), in UID order. */
  fetch(uids: number[]): Promise<Array<{ uid: number; source: Buffer; internalDate: Date | undefined }>>;
  close(): Promise<void>;
}

interface ImapOptions {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password: string;
  mailbox: string;
  timeoutMs?: number | undefined;
}

/** Logs in and selects the mailbox read-only (EXAMINE): reading never changes flags the team relies on. */
export async function openMailbox(options: ImapOptions): Promise<MailboxSession> {
  const timeout = options.timeoutMs ?? emailInboxSpec.timeoutMs;
  const client = new ImapFlow({
    host: options.host,
    port: options.port,
    secure: options.secure,
    auth: { user: options.user, pass: options.password },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout * 2,
  });
  // A dropped connection is reported through the next command's rejection; without a listener it would crash.
  client.on('error', () => {});
  const close = async () => {
    await client.logout().catch(() => client.close());
  };
  try {
    await client.connect();
    const box = await client.mailboxOpen(options.mailbox, { readOnly: true });
    return {
      uidValidity: String(box.uidValidity),
      async uidsAfter(lastUid) {
        try {
          // `n:*` always includes the highest UID, even below n (RFC 3501 §6.4.8): filter it out.
          const found = await client.search({ uid: `${lastUid + 1}:*` }, { uid: true });
          return (found || []).filter((uid) => uid > lastUid).sort((a, b) => a - b);
        } catch (err) {
          throw classifyInboxError(err);
        }
      },
      async fetch(uids) {
        if (uids.length === 0) return [];
        try {
          const messages = await client.fetchAll(
            uids.join(','),
            { uid: true, source: true, internalDate: true },
            { uid: true },
          );
          return messages
            .map((m) => ({
              uid: m.uid,
              source: m.source ?? Buffer.alloc(0),
              internalDate: m.internalDate === undefined ? undefined : new Date(m.internalDate),
            }))
            .sort((a, b) => a.uid - b.uid);
        } catch (err) {
          throw classifyInboxError(err);
        }
      },
      close,
    };
  } catch (err) {
    await close();
    throw classifyInboxError(err);
  }
}

export interface ReplyMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  inReplyTo: string | undefined;
  references: string[];
  messageId: string | undefined;
}

/** Sends one reply over SMTP (`nodemailer`); throws ConnectorError. */
export async function sendReply(smtpUrl: string, mail: ReplyMail): Promise<void> {
  const transport = nodemailer.createTransport(smtpUrl);
  try {
    await transport.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
      ...(mail.references.length ? { references: mail.references } : {}),
      ...(mail.messageId ? { messageId: mail.messageId } : {}),
    });
  } catch (err) {
    throw classifyInboxError(err);
  } finally {
    transport.close();
  }
}
