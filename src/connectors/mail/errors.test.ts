import { describe, expect, it } from 'vitest';
import { classifySendError, type MailErrorFields, type SendFailure } from './errors.ts';

const cases: Array<[string, MailErrorFields, SendFailure]> = [
  [
    '451 on DATA is temporary',
    { code: 'EMESSAGE', responseCode: 451, command: 'DATA', response: '451 4.3.0 try later' },
    { kind: 'transient', reason: 'SMTP 451 4.3.0 try later' },
  ],
  [
    '550 on RCPT is a hard bounce',
    { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 no such user' },
    { kind: 'permanent', reason: 'SMTP 550 5.1.1 no such user', hardBounce: true },
  ],
  [
    '552 on RCPT is permanent but not a bounce of the address',
    { code: 'EENVELOPE', responseCode: 552, command: 'RCPT TO', response: '552 mailbox full' },
    { kind: 'permanent', reason: 'SMTP 552 mailbox full', hardBounce: false },
  ],
  [
    '554 on DATA (content refused) is permanent, the address stays',
    { code: 'EMESSAGE', responseCode: 554, command: 'DATA', response: '554 rejected\r\nas spam' },
    { kind: 'permanent', reason: 'SMTP 554 rejected as spam', hardBounce: false },
  ],
  [
    'a refused connection is temporary',
    { code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:25' },
    { kind: 'transient', reason: 'ESOCKET: connect ECONNREFUSED 127.0.0.1:25' },
  ],
  [
    'an envelope without a valid address is permanent',
    { code: 'EENVELOPE', message: 'No recipients defined' },
    { kind: 'permanent', reason: 'bad address: No recipients defined', hardBounce: false },
  ],
  [
    'refused credentials (535) wait for the fix instead of failing the row',
    { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN', response: '535 Invalid username or password' },
    { kind: 'transient', reason: 'SMTP auth: 535 Invalid username or password' },
  ],
  ['anything else is retried', { message: 'boom' }, { kind: 'transient', reason: 'boom' }],
  [
    'the recipient address in a reply is not kept (it is logged and stored)',
    {
      code: 'EENVELOPE',
      responseCode: 550,
      command: 'RCPT TO',
      response: '550 5.1.1 <Hal.Jordan+ideas@Hooli.io>: Recipient address rejected: hal@hooli.io unknown',
    },
    {
      kind: 'permanent',
      reason: 'SMTP 550 5.1.1 <address>: Recipient address rejected: <address> unknown',
      hardBounce: true,
    },
  ],
  [
    "nodemailer's own message naming the recipient",
    { code: 'EENVELOPE', message: "Can't send mail - all recipients were rejected: 553 <ivy@x.io>: bad" },
    {
      kind: 'permanent',
      reason: "bad address: Can't send mail - all recipients were rejected: 553 <address>: bad",
      hardBounce: false,
    },
  ],
];

describe('classifySendError', () => {
  it.each(cases)('%s', (_name, err, expected) => {
    expect(classifySendError(err)).toEqual(expected);
  });
});
