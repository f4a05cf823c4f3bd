import { describe, expect, it } from 'vitest';
import type { TrackerKind } from '../domain/tracker.ts';
import {
  defaultStatusMap,
  mapStatus,
  nameKey,
  type StatusMapConfig,
  unknownStatusNames,
} from './status-map.ts';

const defaults = defaultStatusMap();
const state = (kind: TrackerKind, category: string, statusName = 'Whatever') => ({
  kind,
  category,
  statusName,
});

describe('mapStatus with the defaults', () => {
  it.each([
    ['linear', 'triage', 'Triage', 'under_review'],
    ['linear', 'backlog', 'Backlog', 'under_review'],
    ['linear', 'unstarted', 'Todo', 'planned'],
    ['linear', 'started', 'In Progress', 'in_progress'],
    ['linear', 'completed', 'Done', 'shipped'],
    ['linear', 'canceled', 'Canceled', 'declined'],
    ['linear', 'duplicate', 'Duplicate', 'merged'],
    ['jira', 'new', 'To Do', 'under_review'],
    ['jira', 'indeterminate', 'In Progress', 'in_progress'],
    ['jira', 'done', 'Done', 'shipped'],
    ['jira', 'done', "Won't Do", 'declined'],
    ['jira', 'done', '  won’t   DO ', 'declined'],
    ['jira', 'undefined', 'No Category', 'under_review'],
    ['jira', 'DONE', 'Closed', 'shipped'],
    ['linear', 'something-new', 'Odd', 'under_review'],
    ['linear', 'canceled', "Won't Do", 'declined'],
  ] as const)('%s %s (%j) → %s', (kind, category, name, expected) => {
    expect(mapStatus(state(kind, category, name), defaults)).toBe(expected);
  });
});

describe('mapStatus with overrides', () => {
  const config: StatusMapConfig = {
    jira: {
      ...defaults.jira,
      byName: { "Won't Do": 'declined', 'Ready for release': 'shipped', Icebox: 'planned' },
    },
    linear: { ...defaults.linear, byName: { 'In Review': 'shipped', ' Icebox ': 'declined' } },
  };

  it.each([
    ['a name beats the category', state('jira', 'indeterminate', 'Ready for Release'), 'shipped'],
    ['a name beats the type', state('linear', 'started', 'in review'), 'shipped'],
    ['names are per tracker', state('jira', 'new', 'In Review'), 'under_review'],
    ['a configured name is trimmed', state('linear', 'backlog', 'ICEBOX'), 'declined'],
    ['no name override → the type', state('linear', 'started', 'Doing'), 'in_progress'],
    ['a blank name never matches', state('jira', 'new', '  '), 'under_review'],
  ] as const)('%s', (_name, given, expected) => {
    expect(mapStatus(given, config)).toBe(expected);
  });

  it('two spellings of one name: the first configured wins', () => {
    const twice: StatusMapConfig = {
      ...config,
      jira: { ...config.jira, byName: { Parked: 'planned', parked: 'declined' } },
    };
    expect(mapStatus(state('jira', 'new', 'PARKED'), twice)).toBe('planned');
  });

  it('a category map can be changed wholesale', () => {
    const strict: StatusMapConfig = {
      ...defaults,
      jira: { ...defaults.jira, byCategory: { new: 'received', indeterminate: 'planned', done: 'shipped' } },
    };
    expect(mapStatus(state('jira', 'new', 'To Do'), strict)).toBe('received');
  });
});

describe('unknownStatusNames', () => {
  const config: StatusMapConfig = {
    jira: { ...defaults.jira, byName: { "Won't Do": 'declined', Released: 'shipped' } },
    linear: { ...defaults.linear, byName: { 'In Review': 'in_progress', Icebox: 'declined' } },
  };

  it.each([
    [
      'all present (case, space and apostrophe-insensitive)',
      { jira: ['won’t do', 'RELEASED ', 'To Do'], linear: ['in review', 'icebox'] },
      [],
    ],
    [
      'missing names of both trackers, in config order',
      { jira: ['To Do', 'Done'], linear: ['Icebox'] },
      ["jira: Won't Do", 'jira: Released', 'linear: In Review'],
    ],
    ['a tracker left out is not checked', { linear: [] }, ['linear: In Review', 'linear: Icebox']],
    ['nothing known → nothing checked', {}, []],
  ] as const)('%s', (_name, known, expected) => {
    expect(unknownStatusNames(config, known)).toEqual(expected);
  });

  it('no overrides → nothing to report', () => {
    expect(
      unknownStatusNames({ ...defaults, jira: { ...defaults.jira, byName: {} } }, { jira: [], linear: [] }),
    ).toEqual([]);
  });
});

describe('nameKey', () => {
  it.each([
    ["  Won't   Do ", "won't do"],
    ['Won’t Do', "won't do"],
    ['IN\tREVIEW', 'in review'],
    ['', ''],
  ])('%j → %j', (name, expected) => {
    expect(nameKey(name)).toBe(expected);
  });
});
