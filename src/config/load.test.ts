import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.ts';

const load = (env: Record<string, string>, yaml?: string) =>
  loadConfig({
    env: yaml === undefined ? env : { ...env, CONFIG_FILE: 'c.yaml' },
    readFile: () => yaml ?? '',
    cwd: '/srv',
  });

function problems(env: Record<string, string>, yaml?: string): string[] {
  try {
    load(env, yaml);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('has working defaults for a developer machine', () => {
    const config = load({});
    expect(config).toMatchObject({
      port: 3000,
      redisUrl: 'redis://127.0.0.1:6379',
      database: { kind: 'pglite', dataDir: '/srv/data/pglite' },
      publicUrl: 'http://localhost:3000',
      sandbox: true,
      logLevel: 'info',
      intake: { rateLimit: { requests: 6000, perSeconds: 60 } },
      http: { bodyLimitBytes: 1_048_576 },
    });
  });

  it('reads the precision target thresholds learned from answers keep, 0.95 by default, and refuses one out of range', () => {
    expect(load({}).dedupe.precisionTarget).toBe(0.95);
    expect(load({}, 'dedupe:\n  precisionTarget: 0.9\n').dedupe.precisionTarget).toBe(0.9);
    expect(problems({}, 'dedupe:\n  precisionTarget: 1\n').join('\n')).toContain(
      'dedupe.precisionTarget: precisionTarget must be below 1',
    );
    expect(problems({}, 'dedupe:\n  precisionTarget: 0.7\n').join('\n')).toContain(
      'precisionTarget must be at least 0.8',
    );
  });

  it('treats empty variables as unset', () => {
    expect(load({ PORT: '', DATABASE_URL: ' ', LOG_LEVEL: '' })).toMatchObject({
      port: 3000,
      database: { kind: 'pglite' },
    });
  });

  it.each([
    [{ PORT: '70000' }, 'PORT: expected a port between 0 and 65535'],
    [{ PORT: '3.5' }, 'PORT: expected a whole port number'],
    [{ PUBLIC_URL: 'example.com' }, 'PUBLIC_URL: expected a URL starting with http:// or https://'],
    [{ SMTP_URL: 'mail.example.com' }, 'SMTP_URL: expected a URL starting with smtp:// or smtps://'],
    [{ MAIL_FROM: 'not an address' }, 'MAIL_FROM: expected an address like'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN: expected at least 16 characters'],
    [{ QUEUE_PREFIX: 'a:b' }, 'QUEUE_PREFIX: expected letters, digits'],
    [
      { LINEAR_API_URL: 'http://127.0.0.1:4020/graphql' },
      'LINEAR_API_KEY: required when LINEAR_API_URL is set',
    ],
    [{ SMTP_URL: 'smtp://127.0.0.1:25' }, 'MAIL_FROM: required when SMTP_URL is set'],
  ])('%j → %s', (env, expected) => {
    expect(
      problems(env).some((p) => p.startsWith(expected)),
      problems(env).join('\n'),
    ).toBe(true);
  });

  it('reads YAML, applies defaults under given sections, and names unknown keys by path', () => {
    const config = load(
      {},
      'intake:\n  rateLimit:\n    requests: 10\nworkers:\n  concurrency:\n    triage: 2\n',
    );
    expect(config.intake.rateLimit).toEqual({ requests: 10, perSeconds: 60 });
    expect(config.workers.concurrency.triage).toBe(2);
    expect(config.workers.shutdownTimeoutMs).toBe(25_000);
    expect(problems({}, 'identity:\n  extraFreeMailDomains: ["ok.com", "not a domain"]\n')).toEqual([
      'CONFIG_FILE identity.extraFreeMailDomains[1]: expected a domain',
    ]);
    expect(problems({}, '- a\n- b\n')).toEqual([
      'CONFIG_FILE c.yaml: expected a YAML mapping at the top level',
    ]);
  });

  const routingYaml = 'routing:\n  default: { linear: { team: ENG } }\n';

  it('a complete Jira trio or a Linear key configures a tracker named "default" and leaves sandbox mode', () => {
    const jira = load(
      { JIRA_HOST: 'https://acme.atlassian.net', JIRA_EMAIL: 'po@acme.io', JIRA_API_TOKEN: 'token' },
      'routing:\n  default: { jira: { project: FR } }\n',
    );
    expect(jira.trackers.jira).toMatchObject([
      { site: 'default', host: 'https://acme.atlassian.net', apiToken: 'token' },
    ]);
    expect(jira.trackers.routing?.default).toEqual({
      kind: 'jira',
      site: 'default',
      project: 'FR',
      issueType: 'Task',
    });
    expect(jira.sandbox).toBe(false);
    const linear = load({ LINEAR_API_KEY: 'lin_api_x' }, routingYaml);
    expect(linear.sandbox).toBe(false);
    expect(linear.trackers.linear).toMatchObject([{ workspace: 'default', apiKey: 'lin_api_x' }]);
  });

  it('without trackers, outside production, routes as the sandbox does: jira-tagged to Jira SBX, the rest to Linear SBX', () => {
    const config = load({});
    expect(config.sandbox).toBe(true);
    expect(config.trackers.routing?.default).toEqual({ kind: 'linear', workspace: 'sandbox', team: 'SBX' });
    expect(config.trackers.routing?.rules[0]).toMatchObject({
      when: { tags: ['jira'] },
      target: { kind: 'jira', project: 'SBX' },
    });
  });

  it('more sites come from YAML, their secrets from the variables they name', () => {
    const yaml = [
      'trackers:',
      '  jira:',
      '    - { site: eu, host: https://acme-eu.atlassian.net, email: bot@acme.io, apiTokenEnv: JIRA_EU_TOKEN }',
      '  linear:',
      '    - { workspace: mobile, apiKeyEnv: LINEAR_MOBILE_KEY, webhookSecretEnv: LINEAR_MOBILE_SECRET }',
      'routing:',
      '  rules:',
      '    - { name: eu, when: { tiers: [enterprise] }, target: { jira: { site: eu, project: EU } } }',
      '  default: { linear: { workspace: mobile, team: APP } }',
      'statusMap:',
      '  jira: { byName: { Parked: planned } }',
    ].join('\n');
    const config = load(
      { JIRA_EU_TOKEN: 'eu-token', LINEAR_MOBILE_KEY: 'lin_m', LINEAR_MOBILE_SECRET: 's'.repeat(20) },
      yaml,
    );
    expect(config.trackers.jira).toMatchObject([
      { site: 'eu', apiToken: 'eu-token', rateLimit: { max: 10, perSeconds: 1 } },
    ]);
    expect(config.trackers.linear).toMatchObject([
      { workspace: 'mobile', apiKey: 'lin_m', webhookSecret: 's'.repeat(20) },
    ]);
    expect(config.trackers.routing?.rules[0]?.target).toEqual({
      kind: 'jira',
      site: 'eu',
      project: 'EU',
      issueType: 'Task',
    });
    expect(config.trackers.statusMap.jira.byName).toMatchObject({
      Parked: 'planned',
      "Won't Do": 'declined',
    });
    expect(config.trackers.statusMap.linear.byType.started).toBe('in_progress');
  });

  it('names unset secret variables, unknown sites in routing, a missing default and duplicate sites', () => {
    const yaml = [
      'trackers:',
      '  jira:',
      '    - { site: eu, host: https://acme-eu.atlassian.net, email: bot@acme.io, apiTokenEnv: JIRA_EU_TOKEN }',
      '    - { site: eu, host: https://other.atlassian.net, email: bot@acme.io, apiTokenEnv: JIRA_EU_TOKEN }',
      'routing:',
      '  rules:',
      '    - { when: { tags: [] }, target: { linear: { workspace: nowhere, team: X } } }',
    ].join('\n');
    expect(problems({}, yaml)).toEqual([
      'CONFIG_FILE routing.rules[0].when.tags: expected at least one value (an empty list never matches)',
    ]);
    const fixed = yaml.replace('tags: []', 'tags: [x]');
    expect(problems({}, fixed)).toEqual([
      'CONFIG_FILE trackers.jira[0].apiTokenEnv: environment variable JIRA_EU_TOKEN is not set',
      'CONFIG_FILE trackers.jira[1].apiTokenEnv: environment variable JIRA_EU_TOKEN is not set',
      'CONFIG_FILE trackers.jira: "eu" is configured twice',
      'CONFIG_FILE routing.rules[0].target: no Linear workspace "nowhere" is configured (LINEAR_API_KEY or trackers.linear)',
      'CONFIG_FILE routing.default: required once a tracker is configured (where features go by default)',
    ]);
  });

  it('scoring: defaults without the section, weights from YAML', () => {
    expect(load({}).scoring).toEqual({
      requester: 1,
      company: 2,
      revenue: { weight: 1, unit: 10_000 },
      tiers: {},
      important: 2,
      halfLifeDays: 180,
      rescoreIntervalSeconds: 3600,
    });
    const config = load(
      {},
      [
        'scoring:',
        '  requester: 0.5',
        '  revenue: { unit: 100000 }',
        '  tiers: { enterprise: 3, Growth: 1.5, churned: 0 }',
        '  halfLifeDays: 0',
      ].join('\n'),
    );
    expect(config.scoring).toMatchObject({
      requester: 0.5,
      company: 2,
      revenue: { weight: 1, unit: 100_000 },
      tiers: { enterprise: 3, Growth: 1.5, churned: 0 },
      halfLifeDays: 0,
    });
  });

  it.each([
    [
      'scoring: { requester: -1 }',
      'CONFIG_FILE scoring.requester: expected 0 or more points (a negative weight would count demand against a feature)',
    ],
    ['scoring: { company: "two" }', 'CONFIG_FILE scoring.company: expected a number of points (0 or more)'],
    [
      'scoring: { important: .inf }',
      'CONFIG_FILE scoring.important: expected a number of points (0 or more)',
    ],
    [
      'scoring: { revenue: { unit: 0 } }',
      'CONFIG_FILE scoring.revenue.unit: expected a revenue amount above 0',
    ],
    [
      'scoring: { revenue: { weight: -2 } }',
      'CONFIG_FILE scoring.revenue.weight: expected 0 or more points (a negative weight would count demand against a feature)',
    ],
    [
      'scoring: { revenue: { unit: .nan } }',
      'CONFIG_FILE scoring.revenue.unit: expected a revenue amount (the revenue worth one weight)',
    ],
    [
      'scoring: { tiers: { enterprise: high } }',
      'CONFIG_FILE scoring.tiers.enterprise: expected a multiplier (a number, 0 or more; 1 changes nothing)',
    ],
    ['scoring: { tiers: { smb: -1 } }', 'CONFIG_FILE scoring.tiers.smb: expected a multiplier of 0 or more'],
    [
      'scoring: { tiers: { Enterprise: 2, enterprise: 3 } }',
      'CONFIG_FILE scoring.tiers.enterprise: "enterprise" and "Enterprise" name the same tier (tier names match case-insensitively)',
    ],
    ['scoring: { halfLifeDays: -7 }', 'CONFIG_FILE scoring.halfLifeDays: expected 0 (no decay) or more days'],
    [
      'scoring: { rescoreIntervalSeconds: 5 }',
      'CONFIG_FILE scoring.rescoreIntervalSeconds: expected at least 60 seconds (every live feature is rescored each time)',
    ],
    ['scoring: { requesters: 1 }', 'CONFIG_FILE scoring.requesters: Unrecognized key: "requesters"'],
  ])('scoring: %s → %s', (yaml, expected) => {
    expect(problems({}, yaml)).toEqual([expected]);
  });

  it('identity.people: one person by several addresses and ids; an address or id listed twice is an error', () => {
    const config = load(
      {},
      [
        'identity:',
        '  people:',
        '    - email: ann@acme.com',
        '      emails: [ann.lee@gmail.com]',
        '      externalIds: ["zendesk:123", "slack:U0123"]',
        '    - { email: bob@acme.com }',
      ].join('\n'),
    );
    expect(config.identity.people).toEqual([
      { email: 'ann@acme.com', emails: ['ann.lee@gmail.com'], externalIds: ['zendesk:123', 'slack:U0123'] },
      { email: 'bob@acme.com', emails: [], externalIds: [] },
    ]);
    expect(
      problems(
        {},
        [
          'identity:',
          '  people:',
          '    - { email: ann@acme.com, emails: [ann.lee@gmail.com], externalIds: ["zendesk:123"] }',
          '    - { email: bob@acme.com, externalIds: ["zendesk:456", " "] }',
          '    - { email: not-an-address }',
        ].join('\n'),
      ),
    ).toEqual([
      'CONFIG_FILE identity.people[1].externalIds[1]: expected an id such as "zendesk:123" (source:id) or a bare id',
      'CONFIG_FILE identity.people[2].email: expected an email address',
    ]);
    expect(
      problems(
        {},
        [
          'identity:',
          '  people:',
          '    - { email: ann@acme.com, emails: [ann.lee@gmail.com], externalIds: ["zendesk:123"] }',
          '    - { email: bob@acme.com, emails: [ANN.LEE@gmail.com], externalIds: ["zendesk:123"] }',
        ].join('\n'),
      ),
    ).toEqual([
      'CONFIG_FILE identity.people[1].emails[0]: ANN.LEE@gmail.com is already listed for identity.people[0] (ann@acme.com)',
      'CONFIG_FILE identity.people[1].externalIds[0]: zendesk:123 is already listed for identity.people[0] (ann@acme.com)',
    ]);
  });

  it('production with everything set is valid and never a sandbox', () => {
    const config = load(
      {
        NODE_ENV: 'production',
        LINEAR_API_KEY: 'lin_api_x',
        API_KEYS: 'aaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbb',
        ADMIN_TOKEN: 'cccccccccccccccc',
        PUBLIC_URL: 'https://feedback.acme.io/',
        SMTP_URL: 'smtps://user:pass@mail.acme.io',
        MAIL_FROM: 'Acme <updates@acme.io>',
      },
      routingYaml,
    );
    expect(config.isProduction).toBe(true);
    expect(config.sandbox).toBe(false);
    expect(config.apiKeys).toHaveLength(2);
    expect(config.publicUrl).toBe('https://feedback.acme.io');
  });
});
