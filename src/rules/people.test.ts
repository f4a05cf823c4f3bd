import { describe, expect, it } from 'vitest';
import { canonicalEmail, NO_PEOPLE, peopleDirectory } from './people.ts';

const directory = peopleDirectory([
  {
    email: 'Ann@Acme.com',
    emails: ['ann.lee@gmail.com', 'ANN@acme.io'],
    externalIds: ['zendesk:123', 'slack:U0123ANN'],
  },
  { email: 'bob@globex.com', externalIds: ['intercom-42'] },
]);

describe('canonicalEmail', () => {
  it.each<[string, { email: string; externalId?: string }, string | undefined, string]>([
    ['the canonical address itself', { email: 'ann@acme.com' }, 'api', 'Ann@Acme.com'],
    [
      'another listed address, any case and spacing',
      { email: ' Ann.Lee@GMAIL.com ' },
      'email',
      'Ann@Acme.com',
    ],
    [
      'an id qualified by its source',
      { email: 'agent-relay@zendesk.acme.com', externalId: '123' },
      'zendesk',
      'Ann@Acme.com',
    ],
    [
      'a Slack member id from Slack',
      { email: 'U0123ANN@slack.invalid', externalId: 'U0123ANN' },
      'slack',
      'Ann@Acme.com',
    ],
    [
      'the same id from another source is someone else',
      { email: 'x@tickets.io', externalId: '123' },
      'intercom',
      'x@tickets.io',
    ],
    [
      'a bare id matches from any source',
      { email: 'b@tickets.io', externalId: 'intercom-42' },
      'intercom',
      'bob@globex.com',
    ],
    [
      'a bare id given qualified already',
      { email: 'c@tickets.io', externalId: 'zendesk:123' },
      'api',
      'Ann@Acme.com',
    ],
    [
      'nobody listed: the address as submitted, trimmed',
      { email: ' carol@initech.com ' },
      'api',
      'carol@initech.com',
    ],
    [
      'the address wins over an id of someone else',
      { email: 'bob@globex.com', externalId: '123' },
      'zendesk',
      'bob@globex.com',
    ],
  ])('%s', (_name, submitted, source, expected) => {
    expect(canonicalEmail(directory, submitted, source)).toBe(expected);
  });

  it('with no people configured every address is its own', () => {
    expect(canonicalEmail(NO_PEOPLE, { email: 'Ann.Lee@gmail.com', externalId: '123' }, 'zendesk')).toBe(
      'Ann.Lee@gmail.com',
    );
  });
});
