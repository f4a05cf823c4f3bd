import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.ts';

/** `console:` in the YAML file and the OIDC_* variables. */

function load(yaml: string, env: Record<string, string> = {}) {
  return loadConfig({ env: { CONFIG_FILE: 'c.yaml', ...env }, readFile: () => yaml, cwd: '/srv' }).console;
}

function problems(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    load(yaml, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const OIDC = { OIDC_ISSUER: 'https://id.acme.io', OIDC_CLIENT_ID: 'console', OIDC_CLIENT_SECRET: 's3cret' };

describe('console configuration', () => {
  it('defaults to nobody listed, a groups claim named groups, 12-hour sessions and no provider', () => {
    expect(load('')).toEqual({
      members: [],
      viewers: [],
      groups: { claim: 'groups', members: [], viewers: [] },
      sessionTtlSeconds: 12 * 3600,
      oidc: undefined,
    });
  });

  it('takes addresses and domains (lowercased), groups and a session length', () => {
    const yaml = [
      'console:',
      '  members: [Ada@Acme.io, core.io]',
      '  viewers: [acme.io]',
      '  groups: { claim: roles, members: [product], viewers: [Support] }',
      '  sessionTtl: 30m',
    ].join('\n');
    expect(load(yaml, OIDC)).toEqual({
      members: ['ada@acme.io', 'core.io'],
      viewers: ['acme.io'],
      groups: { claim: 'roles', members: ['product'], viewers: ['Support'] },
      sessionTtlSeconds: 1800,
      oidc: { issuer: 'https://id.acme.io', clientId: 'console', clientSecret: 's3cret' },
    });
  });

  it.each([
    ['members: [not an address]', 'CONFIG_FILE console.members[0]: expected an email address'],
    ['viewers: ["@acme.io"]', 'CONFIG_FILE console.viewers[0]: expected an email address'],
    ['sessionTtl: 0', 'CONFIG_FILE console.sessionTtl: expected a duration such as 30m, 12h or 7d'],
    ['sessionTtl: 12', 'CONFIG_FILE console.sessionTtl: expected a duration'],
    ['admins: [ada@acme.io]', 'CONFIG_FILE console.admins'],
  ])('names the problem in %s', (line, expected) => {
    const found = problems(`console:\n  ${line}\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(expected);
  });

  it('wants all three OIDC variables or none, in one line naming what is missing', () => {
    const { OIDC_CLIENT_SECRET: _, ...two } = OIDC;
    expect(problems('', two)).toEqual([
      'OIDC_CLIENT_SECRET: required with OIDC_ISSUER, OIDC_CLIENT_ID (console sign-in needs all three or none)',
    ]);
    expect(problems('', { OIDC_ISSUER: OIDC.OIDC_ISSUER })).toHaveLength(1);
    expect(problems('', { OIDC_ISSUER: 'id.acme.io', OIDC_CLIENT_ID: 'x', OIDC_CLIENT_SECRET: 'y' })).toEqual(
      ['OIDC_ISSUER: expected a URL starting with http:// or https://'],
    );
  });

  it('wants an https issuer in production', () => {
    const production = {
      NODE_ENV: 'production',
      API_KEYS: 'k'.repeat(16),
      ADMIN_TOKEN: 't'.repeat(16),
      PUBLIC_URL: 'https://sync.acme.io',
      SMTP_URL: 'smtp://mail.acme.io',
      MAIL_FROM: 'sync@acme.io',
    };
    // Production wants more (a tracker); only the OIDC lines are this test's.
    const oidcProblems = (env: Record<string, string>) =>
      problems('', env).filter((p) => p.startsWith('OIDC'));
    expect(oidcProblems({ ...production, ...OIDC, OIDC_ISSUER: 'http://id.acme.io' })).toEqual([
      'OIDC_ISSUER: expected an https:// URL in production',
    ]);
    expect(oidcProblems({ ...production, ...OIDC })).toEqual([]);
  });
});
