import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, errorForLog } from './log.ts';

describe('errorForLog', () => {
  it('drops the bound values Drizzle appends to a failed query', () => {
    const cause = Object.assign(
      new Error('duplicate key value violates unique constraint "requesters_email_key_unique"'),
      {
        code: '23505',
        constraint: 'requesters_email_key_unique',
        table: 'requesters',
        detail: 'Key (email_key)=(ada@acme.io) already exists.',
      },
    );
    const err = new Error(
      'Failed query: insert into "requesters" ("email") values ($1)\nparams: ada@acme.io',
      { cause },
    );
    const logged = errorForLog(err);
    expect(logged).toMatchObject({
      type: 'Error',
      message: 'Failed query: insert into "requesters" ("email") values ($1)',
      code: '23505',
      constraint: 'requesters_email_key_unique',
      table: 'requesters',
      cause: 'Error',
    });
    expect(JSON.stringify(logged)).not.toContain('ada@acme.io');
  });

  it.each([
    ['a string', 'boom', { type: 'string' }],
    ['an object', { email: 'x@y.z' }, { type: 'object' }],
  ])('a thrown %s is described by its type only', (_name, thrown, expected) => {
    expect(errorForLog(thrown)).toEqual(expected);
  });
});

/** A logger at info whose lines are kept in `lines`. */
function capturingLogger() {
  const lines: string[] = [];
  const log = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  });
  return { lines, log };
}

describe('createLogger redaction', () => {
  it('censors credentials, emails and bodies that slip into a log object', () => {
    const { lines, log } = capturingLogger();
    log.info(
      {
        headers: { authorization: 'Bearer sk_live_123', cookie: 'sid=1' },
        requester: { email: 'ada@acme.io' },
        request: { body: 'secret plans' },
        apiKey: 'k_123',
      },
      'oops',
    );
    const text = lines.join('');
    for (const secret of ['sk_live_123', 'sid=1', 'ada@acme.io', 'secret plans', 'k_123'])
      expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('censors intake source secrets, SMTP URLs and a message as sent', () => {
    const { lines, log } = capturingLogger();
    log.info(
      {
        source: { id: 'zd', secrets: { token: 'zd_tok_1' }, smtpUrl: 'smtp://u:pw_2@mail' },
        deps: { inbox: { secrets: { password: 'imap_pw_3' } } },
        slack: { signingSecret: 'sign_4', botToken: 'xoxb-5', webhookSecret: 'hook_6' },
        mail: {
          to: { name: 'Ada', address: 'ada@acme.io' },
          text: 'Hi Ada, unsubscribe: /u/tok_7',
          html: '<p>tok_8</p>',
        },
        smtpUrl: 'smtps://u:pw_9@mail',
        imap: { user: 'ideas', auth: { password: 'imap_pw_10' } },
      },
      'oops',
    );
    const text = lines.join('');
    for (const secret of [
      'zd_tok_1',
      'pw_2',
      'imap_pw_3',
      'sign_4',
      'xoxb-5',
      'hook_6',
      'ada@acme.io',
      'tok_7',
      'tok_8',
      'pw_9',
      'imap_pw_10',
    ])
      expect(text).not.toContain(secret);
    expect(text).toContain('"id":"zd"');
  });
});
