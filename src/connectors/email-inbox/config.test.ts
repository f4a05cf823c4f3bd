import { describe, expect, it } from 'vitest';
import { resolveSources, sourceSchema } from '../../config/sources.schema.ts';

/** An email inbox entry of `sources:` as the YAML gives it, and the `…Env` secrets the factory reads. */
describe('email-inbox source config', () => {
  const inbox = {
    id: 'ideas',
    kind: 'email-inbox',
    host: 'imap.example.com',
    user: 'ideas@example.com',
    passwordEnv: 'IMAP_PASSWORD',
  };

  it('reads the defaults and the secrets', () => {
    const { sources, problems } = resolveSources([sourceSchema.parse({ ...inbox, smtpUrlEnv: 'SMTP_URL' })], {
      IMAP_PASSWORD: 'p',
      SMTP_URL: 'smtp://127.0.0.1:25',
    });
    expect(problems).toEqual([]);
    expect(sources[0]).toMatchObject({
      port: 993,
      secure: true,
      mailbox: 'INBOX',
      pageSize: 50,
      replyBack: 'thread',
      secrets: { password: 'p', smtpUrl: 'smtp://127.0.0.1:25' },
    });
  });

  it.each([
    ['a port out of range', { ...inbox, port: 70000 }, 'port'],
    ['an unknown field', { ...inbox, folder: 'INBOX' }, 'folder'],
    ['no host', { ...inbox, host: undefined }, 'host'],
  ])('refuses %s', (_name, entry, path) => {
    const parsed = sourceSchema.safeParse(entry);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(path);
  });

  it('lists a missing password variable', () => {
    const { problems } = resolveSources([sourceSchema.parse(inbox)], {});
    expect(problems).toEqual([
      'CONFIG_FILE sources[0].passwordEnv: environment variable IMAP_PASSWORD is not set',
    ]);
  });
});
