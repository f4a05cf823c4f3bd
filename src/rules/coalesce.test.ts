import { describe, expect, it } from 'vitest';
import { nextPushAt } from './coalesce.ts';

const t = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + seconds * 1000).toISOString();

describe('nextPushAt', () => {
  it.each([
    // [case, lastPushedAt, firstDirtyAt, now, window, expected]
    ['never pushed → create now', null, t(0), t(0), 30, t(0)],
    ['never pushed, seen late → now', null, t(0), t(5), 30, t(5)],
    ['update: one window after the first unpushed change', t(-100), t(0), t(0), 30, t(30)],
    ['a later request in the burst keeps the same time', t(-100), t(0), t(29), 30, t(30)],
    ['a steady trickle cannot postpone it (anchored on the first change)', t(-100), t(0), t(25), 30, t(30)],
    ['at least one window after the previous push', t(10), t(5), t(12), 30, t(40)],
    ['a change right after a push waits for the window after it', t(0), t(1), t(1), 30, t(31)],
    ['overdue (lost job) → now', t(-100), t(-90), t(0), 30, t(0)],
    ['window 0 → as soon as dirty', t(-100), t(0), t(0), 0, t(0)],
    ['negative window counts as 0', t(-100), t(0), t(0), -5, t(0)],
    ['fractional window', t(-100), t(0), t(0), 1.5, new Date(Date.parse(t(0)) + 1500).toISOString()],
    ['non-ISO but parseable offsets are normalised', t(-100), '2026-01-01T13:00:00+01:00', t(0), 10, t(10)],
  ] as const)('%s', (_name, lastPushedAt, firstDirtyAt, now, window, expected) => {
    expect(nextPushAt({ lastPushedAt, firstDirtyAt, now }, window)).toBe(expected);
  });

  it('ten requests inside one window all schedule the same update', () => {
    const times = Array.from({ length: 10 }, (_, i) =>
      nextPushAt({ lastPushedAt: t(-300), firstDirtyAt: t(0), now: t(i * 3) }, 30),
    );
    expect(new Set(times)).toEqual(new Set([t(30)]));
  });

  it.each([
    ['now', { lastPushedAt: null, firstDirtyAt: t(0), now: 'soon' }],
    ['firstDirtyAt', { lastPushedAt: null, firstDirtyAt: '', now: t(0) }],
    ['lastPushedAt', { lastPushedAt: 'yesterday', firstDirtyAt: t(0), now: t(0) }],
  ])('an invalid %s is an error, not a silent "now"', (what, state) => {
    expect(() => nextPushAt(state, 30)).toThrow(new RegExp(what));
  });
});
