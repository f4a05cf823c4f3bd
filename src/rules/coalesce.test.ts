import { describe, expect, it } from 'vitest';
import { nextPushAt, triageWait } from './coalesce.ts';

const t = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + seconds * 1000).toISOString();

describe('nextPushAt', () => {
  it.each([
    // [case, lastPushedAt, firstDirtyAt, now, window, expected]
    ['never pushed: created one window after its first change', null, t(0), t(0), 30, t(30)],
    ['never pushed: a later request in the window joins the same create', null, t(0), t(20), 30, t(30)],
    ['never pushed, overdue (lost job) → now', null, t(0), t(45), 30, t(45)],
    ['never pushed, window 0 → at once', null, t(0), t(0), 0, t(0)],
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
    expect(nextPushAt({ lastPushedAt, hasIssue: lastPushedAt !== null, firstDirtyAt, now }, window)).toBe(
      expected,
    );
  });

  it('a linked existing issue never pushed to gets the demand at once', () => {
    expect(nextPushAt({ lastPushedAt: null, hasIssue: true, firstDirtyAt: t(0), now: t(2) }, 30)).toBe(t(2));
  });

  it('the requests of a new feature within one window all schedule its one create', () => {
    const times = Array.from({ length: 10 }, (_, i) =>
      nextPushAt({ lastPushedAt: null, hasIssue: false, firstDirtyAt: t(0), now: t(i * 3) }, 30),
    );
    expect(new Set(times)).toEqual(new Set([t(30)]));
  });

  it('ten requests inside one window all schedule the same update', () => {
    const times = Array.from({ length: 10 }, (_, i) =>
      nextPushAt({ lastPushedAt: t(-300), hasIssue: true, firstDirtyAt: t(0), now: t(i * 3) }, 30),
    );
    expect(new Set(times)).toEqual(new Set([t(30)]));
  });

  it.each([
    ['now', { lastPushedAt: null, hasIssue: false, firstDirtyAt: t(0), now: 'soon' }],
    ['firstDirtyAt', { lastPushedAt: null, hasIssue: false, firstDirtyAt: '', now: t(0) }],
    ['lastPushedAt', { lastPushedAt: 'yesterday', hasIssue: true, firstDirtyAt: t(0), now: t(0) }],
  ])('an invalid %s is an error, not a silent "now"', (what, state) => {
    expect(() => nextPushAt(state, 30)).toThrow(new RegExp(what));
  });
});

describe('triageWait', () => {
  const wait = (from: number, to: number, until: number) => ({
    from: new Date(t(from)),
    to: new Date(t(to)),
    until: new Date(t(until)),
  });
  it.each([
    // [case, lastPushedAt, hasIssue, firstDirtyAt, now, window, expected]
    [
      'a create whose window closed waits for the requests of its last two windows',
      null,
      false,
      t(0),
      t(30),
      30,
      wait(-30, 30, 60),
    ],
    ['still within the one more window', null, false, t(0), t(59), 30, wait(-30, 30, 60)],
    ['past it: the push goes ahead', null, false, t(0), t(60), 30, undefined],
    ['"push now", before the window closed: no wait', null, false, t(0), t(10), 30, undefined],
    [
      'an update: its window closes one window after its first change (and after the previous push)',
      t(20),
      true,
      t(25),
      t(60),
      30,
      wait(-5, 55, 85),
    ],
    ['a linked issue never pushed to: at once, no wait', null, true, t(0), t(0), 30, undefined],
    ['window 0: no wait', null, false, t(0), t(0), 0, undefined],
  ] as const)('%s', (_name, lastPushedAt, hasIssue, firstDirtyAt, now, window, expected) => {
    expect(triageWait({ lastPushedAt, hasIssue, firstDirtyAt, now }, window)).toEqual(expected);
  });
});
