import { describe, expect, it } from 'vitest';
import { sourcesSchema } from '../config/sources.schema.ts';
import { repliesByMail, replyBackChannels } from './reply-back.ts';

const configs = sourcesSchema
  .parse([
    { id: 'zd', kind: 'zendesk', subdomain: 'acme', email: 'a@acme.io', tokenEnv: 'T', tag: 'fr' },
    {
      id: 'zd-mail',
      kind: 'zendesk',
      subdomain: 'acme',
      email: 'a@acme.io',
      tokenEnv: 'T',
      tag: 'fr',
      replyBack: 'email',
    },
    {
      id: 'zd-both',
      kind: 'zendesk',
      subdomain: 'acme',
      email: 'a@acme.io',
      tokenEnv: 'T',
      tag: 'fr',
      replyBack: 'both',
    },
    { id: 'ic-also', kind: 'intercom', tokenEnv: 'T', tagId: 't', adminId: '1', alsoEmail: true },
    { id: 'ic-off', kind: 'intercom', tokenEnv: 'T', tagId: 't', adminId: '1', enabled: false },
    { id: 'inbox', kind: 'email-inbox', host: 'imap.acme.io', user: 'ideas@acme.io', passwordEnv: 'P' },
  ])
  .map((c) => ({ ...c, secrets: {} }));

describe('replyBackChannels', () => {
  const channels = replyBackChannels(configs);
  it.each([
    ['zd', { ticketId: 1 }, ['source']],
    ['zd-mail', { ticketId: 1 }, ['email']],
    ['zd-both', { ticketId: 1 }, ['source', 'email']],
    ['ic-also', { conversationId: 'c' }, ['source', 'email']],
    ['zd', null, ['email']],
    ['ic-off', { conversationId: 'c' }, ['email']],
    ['api', null, ['email']],
  ] as const)('%s with thread %j → %j', (source, sourceThread, expected) => {
    expect(channels({ source, sourceThread })).toEqual(expected);
  });
});

describe('repliesByMail', () => {
  const byMail = repliesByMail(configs);
  it.each([
    ['inbox', true],
    ['zd', false],
    ['ic-also', false],
    ['api', false],
  ] as const)('%s → %s', (source, expected) => {
    expect(byMail(source)).toBe(expected);
  });
});
