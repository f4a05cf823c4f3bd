import { describe, expect, it } from 'vitest';
import { type ConsoleRoleName, type ConsoleRoleRules, roleFor } from './console-roles.ts';

const rules: ConsoleRoleRules = {
  members: ['ada@acme.io', 'core.io'],
  viewers: ['acme.io', 'Grace@Partner.org'],
  groups: { members: ['product'], viewers: ['support'] },
};

describe('roleFor', () => {
  const cases: Array<[string, string, string[], ConsoleRoleName | undefined]> = [
    ['a listed address is a member', 'ada@acme.io', [], 'member'],
    ['addresses compare case-insensitively', 'ADA@Acme.IO', [], 'member'],
    ['member beats viewer (ada is also at the viewer domain acme.io)', 'ada@acme.io', ['support'], 'member'],
    ['a domain entry lets in every address there', 'bob@acme.io', [], 'viewer'],
    ['a domain entry in the member list', 'eve@core.io', [], 'member'],
    ['a look-alike domain is not the domain', 'mallory@evil-acme.io', [], undefined],
    ['a subdomain is not the domain', 'mallory@mail.acme.io', [], undefined],
    ['a domain as a suffix of the local part is not the domain', 'acme.io@evil.com', [], undefined],
    ['an entry written in capitals still matches', 'grace@partner.org', [], 'viewer'],
    ['another address at a listed address’s domain is not listed', 'hal@partner.org', [], undefined],
    ['a member group', 'zoe@elsewhere.com', ['product'], 'member'],
    ['a viewer group', 'zoe@elsewhere.com', ['support'], 'viewer'],
    ['a member group beats a viewer domain', 'bob@acme.io', ['product'], 'member'],
    ['group names are exact', 'zoe@elsewhere.com', ['Product'], undefined],
    ['nobody listed', 'zoe@elsewhere.com', ['sales'], undefined],
    ['no address at all', '', [], undefined],
  ];
  it.each(cases)('%s', (_why, email, groups, expected) => {
    expect(roleFor({ email, groups }, rules)).toBe(expected);
  });

  it('lets no one in when nothing is listed', () => {
    const none = { members: [], viewers: [], groups: { members: [], viewers: [] } };
    expect(roleFor({ email: 'ada@acme.io', groups: ['product'] }, none)).toBeUndefined();
  });
});
