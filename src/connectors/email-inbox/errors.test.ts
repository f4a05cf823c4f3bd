import { describe, expect, it } from 'vitest';
import { classifyInboxError } from './errors.ts';

const error = (props: Record<string, unknown>) => Object.assign(new Error('x'), props);

describe('classifyInboxError', () => {
  it.each([
    [
      'IMAP login refused',
      error({ authenticationFailed: true }),
      'auth',
      'IMAP server refused the credentials',
    ],
    [
      'SMTP login refused',
      error({ code: 'EAUTH', responseCode: 535 }),
      'auth',
      'SMTP server refused the credentials',
    ],
    ['a missing mailbox', error({ mailboxMissing: true }), 'config', 'mailbox does not exist'],
    ['IMAP throttling', error({ code: 'ETHROTTLE', throttleReset: 4000 }), 'rate_limited', 'throttling'],
    ['SMTP 451', error({ responseCode: 451 }), 'transient', 'deferred'],
    ['SMTP 550', error({ responseCode: 550 }), 'invalid_input', 'rejected the reply (550)'],
    ['a refused connection', error({ code: 'ECONNREFUSED' }), 'transient', 'ECONNREFUSED'],
    ['a greeting timeout', error({ code: 'GREETING_TIMEOUT' }), 'transient', 'GREETING_TIMEOUT'],
  ])('%s', (_name, err, kind, message) => {
    const out = classifyInboxError(err);
    expect(out.kind).toBe(kind);
    expect(out.message).toContain(message);
  });

  it('keeps the IMAP server’s throttle as the wait', () => {
    expect(classifyInboxError(error({ code: 'ETHROTTLE', throttleReset: 4000 })).retryAfterMs).toBe(4000);
  });
});
