import { describe, expect, it } from 'vitest';
import type { PushTarget } from '../domain/tracker.ts';
import { containsWord, type RouteInput, type RoutingConfig, routeFeature, sandboxRouting } from './route.ts';

const jiraMobile: PushTarget = { kind: 'jira', site: 'acme', project: 'MOB', issueType: 'Story' };
const jiraSecurity: PushTarget = { kind: 'jira', site: 'acme', project: 'SEC', issueType: 'Task' };
const linearEnterprise: PushTarget = { kind: 'linear', workspace: 'acme', team: 'ENT' };
const fallback: PushTarget = { kind: 'linear', workspace: 'acme', team: 'CORE' };

const config: RoutingConfig = {
  rules: [
    { name: 'mobile', when: { tags: ['iOS', 'android'] }, target: jiraMobile },
    { when: { keywords: ['sso', 'single sign-on'], sources: ['zendesk'] }, target: jiraSecurity },
    { name: 'big accounts', when: { tiers: ['Enterprise'] }, target: linearEnterprise },
  ],
  default: fallback,
};

const input = (over: Partial<RouteInput> = {}): RouteInput => ({
  tags: [],
  sources: ['api'],
  texts: ['Dark mode'],
  tiers: [],
  ...over,
});

describe('routeFeature', () => {
  it.each([
    ['nothing matches → default', input(), fallback, 'default'],
    ['a tag, case-insensitive', input({ tags: ['IOS'] }), jiraMobile, 'mobile'],
    ['any one of the tags is enough', input({ tags: ['web', 'android'] }), jiraMobile, 'mobile'],
    [
      'keyword AND source both hold → unnamed rule is numbered',
      input({ sources: ['Zendesk'], texts: ['Please add SSO.'] }),
      jiraSecurity,
      'rule #2',
    ],
    ['keyword without the source → no match', input({ texts: ['We need SSO'] }), fallback, 'default'],
    ['source without the keyword → no match', input({ sources: ['zendesk'] }), fallback, 'default'],
    [
      'a phrase keyword across whitespace and lines',
      input({ sources: ['zendesk'], texts: ['title', 'We want\nSingle   Sign-On'] }),
      jiraSecurity,
      'rule #2',
    ],
    [
      'keyword is whole-word only',
      input({ sources: ['zendesk'], texts: ['lasso tool'] }),
      fallback,
      'default',
    ],
    ['a tier, case-insensitive', input({ tiers: ['free', 'ENTERPRISE'] }), linearEnterprise, 'big accounts'],
    [
      'first matching rule wins over later ones',
      input({ tags: ['ios'], tiers: ['enterprise'] }),
      jiraMobile,
      'mobile',
    ],
    [
      'conditions may be met by different requests of the push',
      input({ sources: ['api', 'zendesk'], texts: ['Dark mode', 'and SSO'] }),
      jiraSecurity,
      'rule #2',
    ],
  ] as const)('%s', (_name, given, target, rule) => {
    expect(routeFeature(given, config)).toEqual({ target, rule });
  });

  it('a rule with no conditions matches everything (an explicit catch-all)', () => {
    const catchAll: RoutingConfig = { rules: [{ when: {}, target: jiraMobile }], default: fallback };
    expect(routeFeature(input(), catchAll)).toEqual({ target: jiraMobile, rule: 'rule #1' });
  });

  it.each([
    ['tags', { tags: [] }],
    ['sources', { sources: [] }],
    ['keywords', { keywords: [] }],
    ['tiers', { tiers: [] }],
    ['blank tag', { tags: ['  '] }],
    ['blank keyword', { keywords: [' '] }],
  ])('an empty or blank %s list never matches (not a silent catch-all)', (_kind, when) => {
    const cfg: RoutingConfig = { rules: [{ when, target: jiraMobile }], default: fallback };
    expect(routeFeature(input({ tags: [''], texts: [' '] }), cfg).rule).toBe('default');
  });

  it('a blank rule name falls back to its number', () => {
    const cfg: RoutingConfig = { rules: [{ name: ' ', when: {}, target: jiraMobile }], default: fallback };
    expect(routeFeature(input(), cfg).rule).toBe('rule #1');
  });

  it('no rules → default', () => {
    expect(routeFeature(input({ tags: ['ios'] }), { rules: [], default: fallback })).toEqual({
      target: fallback,
      rule: 'default',
    });
  });
});

describe('containsWord', () => {
  it.each([
    ['SSO, please', 'sso', true],
    ['lasso', 'sso', false],
    ['sso2', 'sso', false],
    ['(SSO)', 'sso', true],
    ['Café export', 'cafe', true],
    ['cafe export', 'Café', true],
    ['we use C++ daily', 'c++', true],
    ['we use C daily', 'c++', false],
    ['node.js support', 'node.js', true],
    ['nodeXjs support', 'node.js', false],
    ['a [regex] (trap)', '[regex]', true],
    ['dark mode', 'dark  mode', true],
    ['darkmode', 'dark mode', false],
    ['暗いモード', 'モード', false],
    ['暗い モード', 'モード', true],
    ['anything', '', false],
    ['', 'sso', false],
  ])('%j contains %j → %s', (text, keyword, expected) => {
    expect(containsWord(text, keyword)).toBe(expected);
  });
});

describe('sandboxRouting', () => {
  it('tagged jira → Jira SBX, the rest → Linear SBX', () => {
    const sandbox = sandboxRouting();
    expect(routeFeature(input({ tags: ['Jira'] }), sandbox)).toEqual({
      target: { kind: 'jira', site: 'sandbox', project: 'SBX', issueType: 'Task' },
      rule: 'sandbox: tagged jira',
    });
    expect(routeFeature(input({ tags: ['linear'] }), sandbox)).toEqual({
      target: { kind: 'linear', workspace: 'sandbox', team: 'SBX' },
      rule: 'default',
    });
  });
});
