/**
 * What a failed send means, from nodemailer's error fields alone (pure). Reply codes per RFC 5321 §4.2.1: 4xx is
 * a temporary condition (try again later), 5xx permanent. A 550/551/553 on RCPT TO says the mailbox does not exist
 * or is not accepted: a hard bounce, so the address is suppressed for future mail.
 */
export type SendFailure =
  | { kind: 'transient'; reason: string }
  | { kind: 'permanent'; reason: string; hardBounce: boolean };

/** The fields nodemailer puts on its errors (https://nodemailer.com/errors/). */
export interface MailErrorFields {
  message?: string | undefined;
  code?: string | undefined;
  responseCode?: number | undefined;
  command?: string | undefined;
  response?: string | undefined;
}

const HARD_BOUNCE_CODES = new Set([550, 551, 553]);
/** Our side or the network: the message may go through on a later try. */
const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROTOCOL',
  'EAUTH',
  'ENOAUTH',
  'EOAUTH2',
  'EMAXLIMIT',
  'EPROXY',
  'ECONNREFUSED',
  'ECONNRESET',
]);

/** Anything shaped like an address, bracketed or not (`<hal@hooli.io>`, `hal@hooli.io:`). */
const ADDRESS = /<?[^\s<>@"'(),;:[\]]+@[^\s<>@"'(),;:[\]]+>?/g;

/**
 * A reason short enough for a column and a log line, without CR/LF, and without the addresses servers put in their
 * replies (`550 5.1.1 <hal@hooli.io>: Recipient address rejected`): the reason is logged, stored on the row and kept
 * after the requester's erasure, so it must not name them.
 */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').replace(ADDRESS, '<address>').trim().slice(0, 500);
}

export function classifySendError(err: MailErrorFields): SendFailure {
  const reply = oneLine(err.response ?? err.message ?? 'unknown error');
  const code = err.responseCode;
  // Our credentials, not the recipient: every message would fail alike, so they wait (retried) until it is fixed.
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH')
    return { kind: 'transient', reason: `SMTP auth: ${reply}` };
  if (code !== undefined && code >= 400 && code < 500) return { kind: 'transient', reason: `SMTP ${reply}` };
  if (code !== undefined && code >= 500 && code < 600) {
    const onRcpt = (err.command ?? '').toUpperCase().startsWith('RCPT');
    return { kind: 'permanent', reason: `SMTP ${reply}`, hardBounce: onRcpt && HARD_BOUNCE_CODES.has(code) };
  }
  if (err.code && TRANSIENT_CODES.has(err.code))
    return { kind: 'transient', reason: `${err.code}: ${reply}` };
  // No reply code: nodemailer refused the envelope itself (no valid recipient address).
  if (err.code === 'EENVELOPE')
    return { kind: 'permanent', reason: `bad address: ${reply}`, hardBounce: false };
  return { kind: 'transient', reason: err.code ? `${err.code}: ${reply}` : reply };
}
