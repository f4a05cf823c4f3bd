import { describe, expect, it } from 'vitest';
import type { FeatureStatus } from '../domain/status.ts';
import {
  isStepBack,
  type RollupLink,
  rollupStatus,
  type StatusDecision,
  type StatusEvent,
  settleFeatureStatus,
} from './rollup.ts';

/** Links in input order; the n-th was linked on day n and updated on day 10 + n unless told otherwise. */
const links = (...statuses: FeatureStatus[]): RollupLink[] =>
  statuses.map((status, i) => ({
    status,
    primary: false,
    linkedAt: `2026-01-0${i + 1}T00:00:00Z`,
    updatedAt: `2026-01-1${i + 1}T00:00:00Z`,
  }));

describe('rollupStatus: all and any', () => {
  it.each([
    // [statuses, all, any]
    [['planned'], 'planned', 'planned'],
    [['planned', 'in_progress'], 'planned', 'in_progress'],
    [['shipped', 'in_progress'], 'in_progress', 'shipped'],
    [['shipped', 'shipped'], 'shipped', 'shipped'],
    [['under_review', 'shipped', 'planned'], 'under_review', 'shipped'],
    [['received', 'planned'], 'received', 'planned'],
    // a declined part does not hold the feature back…
    [['shipped', 'declined'], 'shipped', 'shipped'],
    [['declined', 'in_progress'], 'in_progress', 'in_progress'],
    [['declined', 'planned', 'shipped'], 'planned', 'shipped'],
    // …and the feature is declined only when every issue is
    [['declined', 'declined'], 'declined', 'declined'],
    [['declined'], 'declined', 'declined'],
    // merged links are ignored unless every one is merged
    [['merged', 'planned'], 'planned', 'planned'],
    [['merged', 'shipped', 'in_progress'], 'in_progress', 'shipped'],
    [['merged', 'declined'], 'declined', 'declined'],
    [['merged', 'declined', 'shipped'], 'shipped', 'shipped'],
    [['merged', 'merged'], 'merged', 'merged'],
  ] as const)('%j → all %s, any %s', (statuses, all, any) => {
    expect(rollupStatus(links(...statuses), 'all')).toBe(all);
    expect(rollupStatus(links(...statuses), 'any')).toBe(any);
  });

  it('is independent of link order', () => {
    const forward = links('declined', 'planned', 'shipped', 'merged');
    const backward = [...forward].reverse();
    for (const rule of ['all', 'any'] as const) {
      expect(rollupStatus(backward, rule)).toBe(rollupStatus(forward, rule));
    }
  });
});

describe('rollupStatus: primary', () => {
  const mark = (list: RollupLink[], ...indexes: number[]) =>
    list.map((l, i) => ({ ...l, primary: indexes.includes(i) }));

  it.each([
    ['the primary link decides', mark(links('planned', 'shipped'), 1), 'shipped'],
    ['even when it is declined', mark(links('shipped', 'declined'), 1), 'declined'],
    ['even when it is merged', mark(links('in_progress', 'merged'), 1), 'merged'],
    ['no primary → the oldest link', links('in_progress', 'shipped'), 'in_progress'],
    [
      'no primary → the oldest by linkedAt, not input order',
      links('in_progress', 'shipped').map((l, i) => ({
        ...l,
        linkedAt: i === 1 ? '2025-12-31T00:00:00Z' : l.linkedAt,
      })),
      'shipped',
    ],
    [
      'no primary, same linkedAt → input order',
      links('planned', 'shipped').map((l) => ({ ...l, linkedAt: '2026-01-01T00:00:00Z' })),
      'planned',
    ],
    [
      'an unparseable linkedAt is never the oldest',
      links('planned', 'shipped').map((l, i) => ({ ...l, linkedAt: i === 0 ? 'garbage' : l.linkedAt })),
      'shipped',
    ],
    [
      'several primaries → the most recently updated',
      mark(links('planned', 'shipped', 'declined'), 0, 1),
      'shipped',
    ],
    [
      'several primaries, one with a bad updatedAt → the valid one',
      mark(links('planned', 'shipped'), 0, 1).map((l, i) => ({
        ...l,
        updatedAt: i === 1 ? '' : l.updatedAt,
      })),
      'planned',
    ],
    ['a single link is its own primary', links('under_review'), 'under_review'],
  ] as const)('%s', (_name, given, expected) => {
    expect(rollupStatus(given, 'primary')).toBe(expected);
  });
});

describe('rollupStatus: no links', () => {
  it.each(['all', 'any', 'primary'] as const)('%s → null (the feature keeps its status)', (rule) => {
    expect(rollupStatus([], rule)).toBeNull();
  });
});

describe('rollupStatus: issues a merge brought', () => {
  const viaMerge = (list: RollupLink[], ...indexes: number[]) =>
    list.map((l, i) => ({ ...l, viaMerge: indexes.includes(i) }));

  it.each([
    // [statuses, which came by merge, all, any, primary]
    // The survivor's own issue in progress, the merged feature's still in triage: still in progress.
    [['in_progress', 'under_review'], [1], 'in_progress', 'in_progress', 'in_progress'],
    // …and it ships when its own issue does, whatever the brought one says.
    [['shipped', 'planned'], [1], 'shipped', 'shipped', 'shipped'],
    [['planned', 'shipped'], [1], 'planned', 'planned', 'planned'],
    // Own issues roll up among themselves as before.
    [['in_progress', 'planned', 'received'], [2], 'planned', 'in_progress', 'in_progress'],
    // A survivor with no issue of its own follows the ones it was given…
    [['planned', 'in_progress'], [0, 1], 'planned', 'in_progress', 'planned'],
    // …and so does one whose own issues all say merged.
    [['merged', 'in_progress'], [1], 'in_progress', 'in_progress', 'merged'],
  ] as const)('%j, brought %j → all %s, any %s, primary %s', (statuses, brought, all, any, primary) => {
    const given = viaMerge(links(...statuses), ...brought);
    expect(rollupStatus(given, 'all')).toBe(all);
    expect(rollupStatus(given, 'any')).toBe(any);
    expect(rollupStatus(given, 'primary')).toBe(primary);
  });
});

describe('isStepBack', () => {
  it.each([
    ['shipped', 'in_progress', true],
    ['in_progress', 'under_review', true],
    ['planned', 'declined', true],
    ['declined', 'under_review', true],
    ['under_review', 'declined', false],
    ['declined', 'planned', false],
    ['planned', 'shipped', false],
    ['planned', 'planned', false],
    ['shipped', 'merged', false],
    ['merged', 'received', false],
  ] as const)('%s → %s: %s', (from, to, back) => {
    expect(isStepBack(from, to)).toBe(back);
  });
});

describe('settleFeatureStatus: forward always, back only for a reason a person took', () => {
  const other: StatusEvent = { kind: 'other' };
  const unmerged: StatusEvent = { kind: 'unmerged' };
  const moved = (from: FeatureStatus | null, to: FeatureStatus | null): StatusEvent => ({
    kind: 'issue-moved',
    from,
    to,
  });

  it.each<[string, FeatureStatus, FeatureStatus | null, StatusEvent, StatusDecision | null]>([
    // forward, whatever happened
    ['an issue linked that is further along', 'planned', 'in_progress', other, { status: 'in_progress' }],
    ['an issue moved forward', 'planned', 'shipped', moved('in_progress', 'shipped'), { status: 'shipped' }],
    [
      'a review decided',
      'under_review',
      'declined',
      moved('under_review', 'declined'),
      { status: 'declined' },
    ],
    ['a declined feature picked up again', 'declined', 'planned', other, { status: 'planned' }],
    ['a merge bringing issues further along', 'received', 'planned', other, { status: 'planned' }],
    ['the unmerged feature’s links further along', 'planned', 'shipped', unmerged, { status: 'shipped' }],
    // nothing to do
    ['no links', 'in_progress', null, other, null],
    ['the same status', 'in_progress', 'in_progress', moved('planned', 'in_progress'), null],
    ['links that only say merged', 'planned', 'merged', other, null],
    // never back: linking, importing, merging in, unlinking
    ['a second issue linked, in triage', 'in_progress', 'under_review', other, null],
    ['an issue unlinked, the rest behind', 'shipped', 'planned', other, null],
    ['the only live issue unlinked, the rest declined', 'in_progress', 'declined', other, null],
    // back: an issue that carried the status reopened
    [
      'the shipped issue reopened',
      'shipped',
      'in_progress',
      moved('shipped', 'in_progress'),
      { status: 'in_progress', back: 'reopened' },
    ],
    [
      'reopened, the feature goes no further back than the issue',
      'shipped',
      'under_review',
      moved('shipped', 'planned'),
      { status: 'planned', back: 'reopened' },
    ],
    [
      'reopened, other links further along keep it higher',
      'shipped',
      'in_progress',
      moved('shipped', 'under_review'),
      { status: 'in_progress', back: 'reopened' },
    ],
    [
      'a declined issue reopened',
      'declined',
      'under_review',
      moved('declined', 'under_review'),
      { status: 'under_review', back: 'reopened' },
    ],
    [
      'the planned issue declined, no other live issue',
      'planned',
      'declined',
      moved('planned', 'declined'),
      { status: 'declined', back: 'reopened' },
    ],
    [
      'the building issue declined: the others decide',
      'in_progress',
      'under_review',
      moved('in_progress', 'declined'),
      { status: 'under_review', back: 'reopened' },
    ],
    // not back: the issue that moved back did not carry the status
    ['an issue held back moved further back', 'shipped', 'received', moved('under_review', 'received'), null],
    [
      'an issue moved forward while the roll-up fell',
      'shipped',
      'planned',
      moved('planned', 'in_progress'),
      null,
    ],
    ['an issue marked a duplicate', 'shipped', 'planned', moved('shipped', 'merged'), null],
    ['an issue with no mapped status before', 'shipped', 'planned', moved(null, 'planned'), null],
    [
      'reopened to a status still at or above the feature’s',
      'planned',
      'under_review',
      moved('shipped', 'in_progress'),
      null,
    ],
    // back: unmerged
    [
      'unmerged, its links behind',
      'in_progress',
      'planned',
      unmerged,
      { status: 'planned', back: 'unmerged' },
    ],
  ])('%s: %s, links %s', (_name, current, rolled, happened, expected) => {
    expect(settleFeatureStatus(current, rolled, happened)).toEqual(expected);
  });

  it('all, any and primary keep their meaning forward and are held back alike', () => {
    // The issue customers were told is being built, and a second one linked in triage.
    const given = links('in_progress', 'under_review');
    for (const rule of ['all', 'any', 'primary'] as const) {
      const rolled = rollupStatus(given, rule);
      const decided = settleFeatureStatus('in_progress', rolled, { kind: 'other' });
      expect(decided === null ? 'in_progress' : decided.status).toBe('in_progress');
    }
    expect(settleFeatureStatus('planned', rollupStatus(given, 'any'), { kind: 'other' })).toEqual({
      status: 'in_progress',
    });
  });
});
