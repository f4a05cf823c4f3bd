import { describe, expect, it } from 'vitest';
import { resolveSources, sourceSchema } from '../../config/sources.schema.ts';

/** A Slack entry of `sources:` as the YAML gives it, and the `…Env` secrets the factory reads. */
describe('slack source config', () => {
  const slack = {
    id: 'slack',
    kind: 'slack',
    signingSecretEnv: 'SLACK_SECRET',
    botTokenEnv: 'SLACK_TOKEN',
    emoji: ':bulb:',
  };

  it('reads the defaults and the secrets', () => {
    const { sources, problems } = resolveSources([sourceSchema.parse(slack)], {
      SLACK_SECRET: 's',
      SLACK_TOKEN: 'xoxb-1',
    });
    expect(problems).toEqual([]);
    expect(sources[0]).toMatchObject({
      emoji: 'bulb',
      replyBack: 'thread',
      maxRateLimitWaitSeconds: 5,
      secrets: { signingSecret: 's', botToken: 'xoxb-1' },
    });
  });

  it.each([
    ['an emoji with spaces', { ...slack, emoji: 'light bulb' }, 'emoji'],
    ['a channel name instead of an id', { ...slack, channels: ['#general'] }, 'channels'],
    ['no bot token', { ...slack, botTokenEnv: undefined }, 'botTokenEnv'],
  ])('refuses %s', (_name, entry, path) => {
    const parsed = sourceSchema.safeParse(entry);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(path);
  });
});
