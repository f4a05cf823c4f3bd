import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.ts';

/** `push.holdForReview`: how long a possible duplicate waits for a person before it is pushed anyway. */

function hold(value?: unknown): number {
  const yaml = value === undefined ? undefined : `push:\n  holdForReview: ${JSON.stringify(value)}\n`;
  return loadConfig({
    env: yaml === undefined ? {} : { CONFIG_FILE: 'c.yaml' },
    readFile: () => yaml ?? '',
    cwd: '/srv',
  }).push.holdForReview;
}

function problems(value: unknown): string[] {
  try {
    hold(value);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('push.holdForReview', () => {
  it('defaults to three days', () => {
    expect(hold()).toBe(72 * 3600);
  });

  it('takes minutes, hours and days, and 0 for no hold', () => {
    expect(hold('30m')).toBe(1800);
    expect(hold('12h')).toBe(43_200);
    expect(hold('2d')).toBe(172_800);
    expect(hold(0)).toBe(0);
    expect(hold('0')).toBe(0);
  });

  it.each(['soon', '72', '-1h', '1w', '', '1.5h'])('names the key and the expected form for %j', (bad) => {
    const [problem, ...more] = problems(bad);
    expect(more).toEqual([]);
    expect(problem).toContain('push.holdForReview');
    expect(problem).toContain('expected a duration such as 30m, 72h or 3d');
  });

  it('refuses a number with no unit', () => {
    expect(problems(72)[0]).toContain('push.holdForReview: expected a duration such as 30m, 72h or 3d');
  });
});
