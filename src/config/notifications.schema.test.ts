import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.ts';

const load = (yaml: string, env: Record<string, string> = {}) =>
  loadConfig({ env: { CONFIG_FILE: 'c.yaml', ...env }, readFile: () => yaml });

const problems = (yaml: string, env: Record<string, string> = {}) => {
  try {
    load(yaml, env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

const production = {
  NODE_ENV: 'production',
  API_KEYS: 'k'.repeat(20),
  ADMIN_TOKEN: 'a'.repeat(20),
  PUBLIC_URL: 'https://ideas.example.com',
  LINEAR_API_KEY: 'lin_api_x',
};

describe('notifications config', () => {
  it('defaults: the statuses customers care about, the product name, the digest hour', () => {
    const { notifications, notifyCoalesceSeconds } = load('');
    expect(notifications).toMatchObject({
      enabled: true,
      statuses: ['planned', 'in_progress', 'shipped', 'declined', 'merged'],
      productName: 'Suggested',
      digest: { hourUtc: 9 },
    });
    expect(notifyCoalesceSeconds).toBe(120);
  });

  it('takes a narrower list, a reply-to and a digest hour', () => {
    const { notifications } = load(
      [
        'notifications:',
        '  statuses: [shipped]',
        '  replyTo: Support <help@acme.io>',
        '  digest: { hourUtc: 17 }',
      ].join('\n'),
    );
    expect(notifications).toMatchObject({
      statuses: ['shipped'],
      replyTo: 'Support <help@acme.io>',
      digest: { hourUtc: 17 },
    });
  });

  it.each([
    [
      'notifications:\n  statuses: [under_review, shipped]',
      'CONFIG_FILE notifications.statuses: received and under_review never notify',
    ],
    ['notifications:\n  statuses: [launched]', 'CONFIG_FILE notifications.statuses[0]:'],
    ['notifications:\n  replyTo: not an address', 'CONFIG_FILE notifications.replyTo: expected an address'],
    ['notifications:\n  digest: { hourUtc: 24 }', 'CONFIG_FILE notifications.digest.hourUtc:'],
    ['notifications:\n  sendTwice: true', 'CONFIG_FILE notifications.sendTwice'],
  ])('%s is refused, naming the field', (yaml, expected) => {
    expect(problems(yaml).some((p) => p.startsWith(expected))).toBe(true);
  });

  it('production needs SMTP_URL only while notifications are enabled', () => {
    expect(problems('', production).filter((p) => p.startsWith('SMTP_URL'))).toHaveLength(1);
    expect(
      problems('notifications:\n  enabled: false', production).filter((p) => p.startsWith('SMTP_URL')),
    ).toEqual([]);
  });
});
