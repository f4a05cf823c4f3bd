import { simpleParser } from 'mailparser';
import type { Resolved } from '../../config/sources.schema.ts';
import type { Logger } from '../../log.ts';
import { ConnectorError } from '../errors.ts';
import type { IntakeSource, PullPage, SourceThread } from '../intake-source.ts';
import type { SourceDeps } from '../source-registry.ts';
import { type MailboxSession, openMailbox, type ReplyMail, sendReply } from './client.ts';
import type { EmailInboxSourceConfig } from './config.ts';
import { mailToItem } from './map.ts';

/** `uidvalidity:lastUid`: the last UID stored, valid only while the mailbox keeps that UIDVALIDITY. */
export function parseInboxCursor(
  cursor: string | null,
): { uidValidity: string; lastUid: number } | undefined {
  const match = cursor === null ? null : /^(\d+):(\d+)$/.exec(cursor);
  return match?.[1] && match[2] ? { uidValidity: match[1], lastUid: Number(match[2]) } : undefined;
}

/** `Re: <subject>` once, however many times the thread was already answered. */
export function replySubject(subject: string): string {
  return /^\s*re\s*:/i.test(subject) ? subject.trim() : `Re: ${subject.trim()}`;
}

/** The reply for a stored thread (`requests.source_thread` as mapped in map.ts). Pure. */
export function buildReply(
  thread: SourceThread,
  message: { text: string; messageId: string },
  from: string,
): ReplyMail | { reason: string } {
  const t = thread.sourceThread ?? {};
  const to = typeof t['replyTo'] === 'string' ? t['replyTo'] : undefined;
  if (!to) return { reason: 'the request has no address to reply to' };
  const original = typeof t['messageId'] === 'string' ? t['messageId'] : undefined;
  const earlier = Array.isArray(t['references'])
    ? t['references'].filter((r): r is string => typeof r === 'string')
    : [];
  // In-Reply-To names the message answered; References is its References plus it (RFC 5322 §3.6.4).
  const references = original ? [...earlier.filter((r) => r !== original), original] : earlier;
  const id = message.messageId.replace(/^<|>$/g, '');
  return {
    from,
    to,
    subject: replySubject(typeof t['subject'] === 'string' ? t['subject'] : ''),
    text: message.text,
    inReplyTo: original,
    references,
    messageId: id.includes('@') ? `<${id}>` : undefined,
  };
}

/**
 * A mailbox as an intake source: each message is a request from its sender. `pull` reads the messages above the
 * stored UID cursor, a page at a time; when the mailbox's UIDVALIDITY changed (recreated, restored) it starts over,
 * which is free because a message's ref is its Message-ID. `reply` answers by email in the same thread.
 */
export function createEmailInboxSource(
  config: Resolved<EmailInboxSourceConfig>,
  deps: SourceDeps,
): IntakeSource {
  const log = deps.log;
  const connect = async () => {
    await deps.throttle?.();
    return openMailbox({
      host: config.host,
      port: config.port,
      secure: config.secure,
      user: config.user,
      password: config.secrets['password'] ?? '',
      mailbox: config.mailbox,
    });
  };

  return {
    kind: 'email-inbox',
    id: config.id,

    async check() {
      const session = await connect();
      await session.close();
    },

    async *pull(cursor): AsyncIterable<PullPage> {
      const session = await connect();
      try {
        const stored = parseInboxCursor(cursor);
        const uidValidity = session.uidValidity;
        const restart = stored !== undefined && stored.uidValidity !== uidValidity;
        if (restart)
          log.info({ sourceId: config.id }, 'mailbox UIDVALIDITY changed: reading it from the start');
        const lastUid = stored && !restart ? stored.lastUid : 0;
        const uids = await session.uidsAfter(lastUid);
        if (uids.length === 0) {
          // Nothing new; still store a cursor for this UIDVALIDITY so a later change is told apart.
          if (stored === undefined || restart)
            yield { items: [], rejected: [], cursor: `${uidValidity}:${lastUid}` };
          return;
        }
        for (let i = 0; i < uids.length; i += config.pageSize) {
          const chunk = uids.slice(i, i + config.pageSize);
          const cursor = `${uidValidity}:${chunk[chunk.length - 1]}`;
          const page = await readPage(session, chunk, { uidValidity, cursor, sourceId: config.id, log });
          yield page;
        }
      } finally {
        await session.close();
      }
    },

    async reply(thread, message) {
      const smtpUrl = config.secrets['smtpUrl'];
      if (!smtpUrl)
        throw new ConnectorError(
          'config',
          'email-inbox',
          `source ${config.id} has no smtpUrlEnv to reply with`,
        );
      const from = config.replyFrom ?? (config.user.includes('@') ? config.user : undefined);
      if (!from)
        throw new ConnectorError('config', 'email-inbox', `source ${config.id} needs replyFrom to reply`);
      const mail = buildReply(thread, message, from);
      if ('reason' in mail) throw new ConnectorError('invalid_input', 'email-inbox', mail.reason);
      await sendReply(smtpUrl, mail);
    },
  };
}

/** One page of messages as items; automated mail is skipped (and logged), unreadable mail rejected. */
async function readPage(
  session: MailboxSession,
  uids: number[],
  {
    uidValidity,
    cursor,
    sourceId,
    log,
  }: { uidValidity: string; cursor: string; sourceId: string; log: Logger },
): Promise<PullPage> {
  const page: PullPage = { items: [], rejected: [], cursor };
  for (const raw of await session.fetch(uids)) {
    const at = { uidValidity, uid: raw.uid, internalDate: raw.internalDate };
    let verdict: ReturnType<typeof mailToItem>;
    try {
      verdict = mailToItem(await simpleParser(raw.source), at);
    } catch {
      verdict = {
        kind: 'rejected',
        ref: `${uidValidity}:${raw.uid}`,
        reason: 'the message could not be parsed',
      };
    }
    if (verdict.kind === 'item') page.items.push(verdict.item);
    else if (verdict.kind === 'rejected') page.rejected.push({ ref: verdict.ref, reason: verdict.reason });
    else log.info({ sourceId, uid: raw.uid, reason: verdict.reason }, 'automated mail skipped');
  }
  return page;
}
