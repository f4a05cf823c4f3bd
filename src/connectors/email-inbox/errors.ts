import { ConnectorError, type ConnectorErrorKind } from '../errors.ts';
import { emailInboxSpec } from './spec.ts';

const PROVIDER = 'email-inbox';

type Coded = Error & {
  code?: unknown;
  authenticationFailed?: unknown;
  mailboxMissing?: unknown;
  throttleReset?: unknown;
  serverResponseCode?: unknown;
  responseCode?: unknown;
};

/**
 * An error out of `imapflow` (the mailbox) or `nodemailer` (replies) as the one ConnectorError shape. Pure.
 * Messages name the failure, never the credentials or any mail content.
 */
export function classifyInboxError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const make = (kind: ConnectorErrorKind, message: string, retryAfterMs?: number) =>
    new ConnectorError(kind, PROVIDER, message, { retryAfterMs, cause: err });
  const e = (err ?? {}) as Coded;
  const code = typeof e.code === 'string' ? e.code : undefined;
  // IMAP: LOGIN / AUTHENTICATE answered NO (RFC 5530 AUTHENTICATIONFAILED); SMTP: 535 and friends (nodemailer EAUTH).
  if (e.authenticationFailed === true || code === 'EAUTH') {
    return make(
      'auth',
      code === 'EAUTH'
        ? 'the SMTP server refused the credentials'
        : 'the IMAP server refused the credentials',
    );
  }
  if (e.mailboxMissing === true) return make('config', 'the configured mailbox does not exist');
  if (code === 'ETHROTTLE') {
    const wait = typeof e.throttleReset === 'number' ? e.throttleReset : emailInboxSpec.throttleWaitMs;
    return make('rate_limited', `the IMAP server is throttling (retry in ${wait} ms)`, wait);
  }
  const smtpCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (smtpCode !== undefined) {
    // 4xx: try again later (RFC 5321 §4.2.1); 5xx: this message will not be accepted.
    if (smtpCode >= 400 && smtpCode < 500)
      return make('transient', `the SMTP server deferred the reply (${smtpCode})`);
    return make('invalid_input', `the SMTP server rejected the reply (${smtpCode})`);
  }
  if (code === 'EENVELOPE') return make('invalid_input', 'the reply has no valid recipient');
  const what = code ?? (err instanceof Error ? err.name : typeof err);
  return make('transient', `mail server unreachable or failed (${what})`);
}
