import { describe, expect, it } from 'vitest';
import { emailDomain, emailKey, resolveCompany, titleKey } from './normalise.ts';

describe('titleKey', () => {
  it.each([
    ['Dark mode', 'dark mode'],
    ['  DARK-MODE!!  ', 'dark mode'],
    ['Dark   mode, please.', 'dark mode please'],
    ['Café export', 'cafe export'],
    ['Ｆｕｌｌ width', 'full width'],
    ['SSO (SAML 2.0)', 'sso saml 2 0'],
    ['暗い モード', '暗い モード'],
    ['!!!', ''],
  ])('%j → %j', (input, expected) => {
    expect(titleKey(input)).toBe(expected);
  });
});

describe('email identity', () => {
  it.each([
    ['Ada@Example.COM', 'ada@example.com', 'example.com'],
    [' ada@acme.io ', 'ada@acme.io', 'acme.io'],
    ['odd@sub.domain.co.uk.', 'odd@sub.domain.co.uk.', 'sub.domain.co.uk'],
  ])('%j → key %j, domain %j', (email, key, domain) => {
    expect(emailKey(email)).toBe(key);
    expect(emailDomain(email)).toBe(domain);
  });
});

describe('resolveCompany', () => {
  it.each([
    ['work email makes the company', 'ada@acme.io', undefined, { key: 'acme.io', domain: 'acme.io' }],
    ['free mail makes none', 'ada@gmail.com', undefined, undefined],
    ['free mail is case-insensitive', 'ada@GMAIL.com', undefined, undefined],
    [
      'given domain wins over email',
      'pm@agency.com',
      { domain: 'client.com', name: 'Client' },
      { key: 'client.com', name: 'Client' },
    ],
    ['given free-mail domain is ignored', 'ada@acme.io', { domain: 'gmail.com' }, { key: 'acme.io' }],
    [
      'name only with free mail',
      'boss@yahoo.com',
      { name: ' Tiny Shop ' },
      { key: 'name:tiny shop', name: 'Tiny Shop', domain: undefined },
    ],
    [
      'details carried',
      'a@big.co',
      { revenue: 5e6, tier: 'enterprise' },
      { key: 'big.co', revenue: 5e6, tier: 'enterprise' },
    ],
  ] as const)('%s', (_name, email, company, expected) => {
    const result = resolveCompany(email, company);
    if (expected === undefined) expect(result).toBeUndefined();
    else expect(result).toMatchObject(expected);
  });

  it('honours configured extra free-mail domains', () => {
    expect(resolveCompany('a@corp-webmail.net', undefined, ['corp-webmail.net'])).toBeUndefined();
    expect(resolveCompany('a@corp-webmail.net', undefined)).toMatchObject({ key: 'corp-webmail.net' });
  });
});
