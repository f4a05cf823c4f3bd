import type { ParsedMail } from 'mailparser';
import { stripQuotesAndSignature } from '../../rules/dedupe/clean.ts';
import { firstLine } from '../../rules/intake-item.ts';
import type { IntakeItem } from '../intake-source.ts';

/** Where a message sits in the mailbox: its UID is unique only within one UIDVALIDITY (RFC 3501 §2.3.1.1). */
interface MailboxPosition {
  uidValidity: string;
  uid: number;
  /** The server's arrival time (INTERNALDATE), when fetched. */
  internalDate?: Date | undefined;
}

type InboxVerdict =
  | { kind: 'item'; item: IntakeItem }
  | { kind: 'skipped'; ref: string; reason: string }
  | { kind: 'rejected'; ref: string; reason: string };

const TITLE_MAX = 200;
const EMAIL = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;
const REPLY_PREFIX = /^\s*((re|fwd?|aw|wg|sv|antw|tr|rif)\s*(\[\d+\])?\s*:\s*)+/i;
const DAEMON_SENDER = /^(mailer-daemon|postmaster|mail-daemon|bounce[s]?)(\+.*)?@/i;

/** Raw header values by lowercase name (mailparser's `headerLines` keep them as sent, before its own parsing). */
function rawHeaders(mail: Pick<ParsedMail, 'headerLines'>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { key, line } of mail.headerLines) {
    const value = line
      .slice(line.indexOf(':') + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
    out.set(key.toLowerCase(), [...(out.get(key.toLowerCase()) ?? []), value]);
  }
  return out;
}

/**
 * Why a message is machine-sent and not a customer's words, or undefined. RFC 3834 (Auto-Submitted), the de facto
 * `Precedence` and `X-Autoreply` headers, RFC 2369/2919 list headers, and bounce senders.
 */
function automatedReason(
  mail: Pick<ParsedMail, 'headerLines'>,
  sender: string | undefined,
): string | undefined {
  const headers = rawHeaders(mail);
  const first = (name: string) => headers.get(name)?.[0]?.toLowerCase();
  const autoSubmitted = first('auto-submitted')?.split(';')[0]?.trim();
  if (autoSubmitted !== undefined && autoSubmitted !== 'no') return `Auto-Submitted: ${autoSubmitted}`;
  const precedence = first('precedence');
  if (precedence !== undefined && /^(bulk|list|junk|auto_reply)$/.test(precedence))
    return `Precedence: ${precedence}`;
  for (const name of ['x-autoreply', 'x-autorespond', 'x-auto-reply']) {
    if (headers.has(name)) return `${name} header`;
  }
  for (const name of ['list-id', 'list-unsubscribe']) {
    if (headers.has(name)) return `${name} header (mailing list or newsletter)`;
  }
  if (sender && DAEMON_SENDER.test(sender)) return 'sent by a mail daemon (bounce)';
  // A null reverse path (Return-Path: <>) is what bounces and auto-replies use (RFC 5321 §4.5.5).
  if (first('return-path') === '<>') return 'null Return-Path (bounce or auto-reply)';
  return undefined;
}

function referencesOf(mail: Pick<ParsedMail, 'references'>): string[] {
  const refs = mail.references;
  if (refs === undefined) return [];
  return (Array.isArray(refs) ? refs : [refs]).filter((r) => r.trim() !== '');
}

/**
 * A parsed message as a request from its sender: subject → title (reply prefixes dropped), the text body without
 * quoted history and signature → body, From → requester. Auto-replies and bulk mail are skipped; a message without
 * a usable sender or any text is rejected. Ref: the Message-ID, so a message seen again after a UIDVALIDITY change
 * is the same request; without one, its mailbox position. Pure.
 */
export function mailToItem(mail: ParsedMail, at: MailboxPosition): InboxVerdict {
  const ref = mail.messageId?.trim() || `${at.uidValidity}:${at.uid}`;
  const from = mail.from?.value.find((a) => a.address);
  const sender = from?.address?.trim().toLowerCase();
  const automated = automatedReason(mail, sender);
  if (automated) return { kind: 'skipped', ref, reason: automated };
  if (!sender) return { kind: 'rejected', ref, reason: 'no sender address in From' };
  if (!EMAIL.test(sender))
    return { kind: 'rejected', ref, reason: 'the From address is not a valid email address' };
  const body = stripQuotesAndSignature(mail.text ?? '');
  const subject = (mail.subject ?? '').replace(REPLY_PREFIX, '').trim();
  const title = (subject || firstLine(body)).slice(0, TITLE_MAX);
  if (title === '') return { kind: 'rejected', ref, reason: 'no subject and no text' };
  const replyTo = mail.replyTo?.value.find((a) => a.address)?.address;
  return {
    kind: 'item',
    item: {
      ref,
      title,
      body: body || subject,
      requester: { email: sender, name: from?.name?.trim() || undefined },
      receivedAt: (at.internalDate ?? mail.date ?? new Date(0)).toISOString(),
      thread: {
        messageId: mail.messageId ?? null,
        references: referencesOf(mail),
        subject: mail.subject ?? title,
        replyTo: replyTo ?? sender,
      },
    },
  };
}
