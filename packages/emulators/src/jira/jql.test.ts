import { describe, expect, it } from 'vitest';
import {
  compareByJql,
  isBounded,
  type JqlIssue,
  type JqlVocabulary,
  jqlValueErrors,
  matchesJql,
  parseJql,
  parseJqlDate,
} from './jql.ts';

const NOW = Date.UTC(2026, 10, 28, 12, 0);
/** The sandbox user's zone: date literals below are New York wall-clock times (UTC-5 in November). */
const ZONE = 'America/New_York';

function issue(overrides: Partial<JqlIssue> & { key: string }): JqlIssue {
  const n = Number(overrides.key.split('-')[1]);
  return {
    id: String(10000 + n),
    project: { id: '10000', key: 'SBX', name: 'Sandbox' },
    labels: [],
    status: { id: '10000', name: 'To Do' },
    statusCategory: { id: 2, key: 'new', name: 'To Do' },
    issuetype: { id: '10001', name: 'Task' },
    resolution: null,
    created: NOW - 3_600_000,
    updated: NOW - 3_600_000,
    ...overrides,
  };
}

const todo = issue({ key: 'SBX-1', labels: ['customer', 'ui'] });
const doing = issue({
  key: 'SBX-2',
  status: { id: '3', name: 'In Progress' },
  statusCategory: { id: 4, key: 'indeterminate', name: 'In Progress' },
  updated: NOW - 60_000,
  created: NOW - 7_200_000,
});
const done = issue({
  key: 'SBX-3',
  labels: ['customer'],
  status: { id: '10001', name: 'Done' },
  statusCategory: { id: 3, key: 'done', name: 'Done' },
  resolution: { id: '10000', name: 'Done' },
  issuetype: { id: '10003', name: 'Bug' },
  updated: Date.UTC(2026, 10, 28, 10, 10, 30), // 05:10:30 in New York
});
const other = issue({
  key: 'OTH-1',
  project: { id: '10001', key: 'OTH', name: 'Other' },
  labels: ['customer'],
});
const all = [todo, doing, done, other];

const keysMatching = (jql: string) =>
  all.filter((i) => matchesJql(parseJql(jql, NOW, ZONE).where, i)).map((i) => i.key);

describe('parseJql + matchesJql', () => {
  it.each([
    ['project = SBX', ['SBX-1', 'SBX-2', 'SBX-3']],
    ['project = 10001', ['OTH-1']],
    ['project = "Sandbox"', ['SBX-1', 'SBX-2', 'SBX-3']],
    ['key in (SBX-1, "SBX-3")', ['SBX-1', 'SBX-3']],
    ['issuekey = sbx-2', ['SBX-2']],
    ['key not in (SBX-1)', ['SBX-2', 'SBX-3', 'OTH-1']],
    ['id = 10002', ['SBX-2']],
    ['labels = customer', ['SBX-1', 'SBX-3', 'OTH-1']],
    ['labels in (ui, nothing)', ['SBX-1']],
    ['labels != ui', ['SBX-3', 'OTH-1']],
    ['labels is EMPTY', ['SBX-2']],
    ['labels IS NOT EMPTY AND project = SBX', ['SBX-1', 'SBX-3']],
    ['status = "In Progress"', ['SBX-2']],
    ['status in ("To Do", Done)', ['SBX-1', 'SBX-3', 'OTH-1']],
    ['status = 3', ['SBX-2']],
    ['status != "To Do"', ['SBX-2', 'SBX-3']],
    ['statusCategory = done', ['SBX-3']],
    ['statusCategory = "In Progress"', ['SBX-2']],
    ['statusCategory in (new, 4)', ['SBX-1', 'SBX-2', 'OTH-1']],
    ['statusCategory != Done', ['SBX-1', 'SBX-2', 'OTH-1']],
    ['issuetype = Bug', ['SBX-3']],
    ['type = Task AND project = SBX', ['SBX-1', 'SBX-2']],
    ['resolution = Unresolved AND project = SBX', ['SBX-1', 'SBX-2']],
    ['resolution is not EMPTY', ['SBX-3']],
    ['updated >= "2026-11-28 05:10"', ['SBX-1', 'SBX-2', 'SBX-3', 'OTH-1']],
    ['updated >= "2026-11-28 05:11"', ['SBX-1', 'SBX-2', 'OTH-1']],
    ['updated >= -5m', ['SBX-2']],
    ['updated < "2026/11/28 06:00"', ['SBX-3']],
    [`updated >= ${NOW - 120_000}`, ['SBX-2']],
    ['created <= -2h', ['SBX-2']],
    ['project = "SBX" AND created >= -90m', ['SBX-1', 'SBX-3']],
    ['created >= -130m', ['SBX-1', 'SBX-2', 'SBX-3', 'OTH-1']],
    ['project = SBX AND labels = customer AND statusCategory != done', ['SBX-1']],
    ['status = Done OR labels = ui', ['SBX-1', 'SBX-3']],
    ['project = SBX AND (status = Done OR key = SBX-2)', ['SBX-2', 'SBX-3']],
    ['NOT project = SBX', ['OTH-1']],
    ['PROJECT = sbx and STATUS = "to do"', ['SBX-1']],
    ['project = SBX ORDER BY updated DESC', ['SBX-1', 'SBX-2', 'SBX-3']],
  ])('%s', (jql, keys) => {
    expect(keysMatching(jql)).toEqual(keys);
  });

  it.each([
    ['status ~ Done', "The operator '~' is not supported by the emulator."],
    ['summary ~ x', "The Jira emulator does not support searching on the field 'summary'."],
    ['rank = x', "Field 'rank' does not exist or you do not have permission to view it."],
    ['updated in (-5m)', "The operator 'IN' is not supported by the 'updated' field."],
    ['status > Done', "The operator '>' is not supported by the 'status' field."],
    ['project SBX', 'Error in the JQL Query: Expecting operator but got'],
    ['project = SBX AND', 'Error in the JQL Query: Expecting a field name but got the end of the query.'],
    [
      'project = SBX status = Done',
      "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'status'.",
    ],
    ['key in (SBX-1', "Error in the JQL Query: Expecting ',' or ')' but got the end of the query."],
    ['project = "SBX', "Error in the JQL Query: The quoted string 'SBX' has not been completed."],
    ['project = SBX ! x', "Error in the JQL Query: The character '!' is a reserved JQL character."],
    ['assignee = currentUser()', "The Jira emulator does not support searching on the field 'assignee'."],
    ['status = currentUser()', "The JQL function 'currentUser()' is not supported by the emulator."],
    [
      'updated >= "2026-11-28T05:10:00Z"',
      "Date value '2026-11-28T05:10:00Z' for field 'updated' is invalid.",
    ],
    ['updated >= "2026-13-45"', "Date value '2026-13-45' for field 'updated' is invalid. Valid formats"],
    ['created < "2026-02-30 10:00"', "Date value '2026-02-30 10:00' for field 'created' is invalid."],
    ['project = SBX ORDER BY status', "Not able to sort using field 'status'."],
    ['project = SBX ORDER BY rank', "Field 'rank' does not exist or you do not have permission to view it."],
  ])('rejects %s', (jql, message) => {
    expect(() => parseJql(jql, NOW, ZONE)).toThrow(message);
  });

  it('reports the position of a syntax error', () => {
    expect(() => parseJql('project = SBX status = Done', NOW, ZONE)).toThrow('(line 1, character 15)');
  });

  it('tells bounded from unbounded queries', () => {
    expect(isBounded(parseJql('ORDER BY updated', NOW, ZONE))).toBe(false);
    expect(isBounded(parseJql('', NOW, ZONE))).toBe(false);
    expect(isBounded(parseJql('project = SBX', NOW, ZONE))).toBe(true);
  });
});

describe('parseJqlDate', () => {
  it.each([
    ['2026-11-28 05:10', 'UTC', Date.UTC(2026, 10, 28, 5, 10)],
    ['2026-11-28 05:10', ZONE, Date.UTC(2026, 10, 28, 10, 10)],
    ['2026/11/28', ZONE, Date.UTC(2026, 10, 28, 5)],
    ['2026-07-01 10:00', ZONE, Date.UTC(2026, 6, 1, 14)], // daylight time: UTC-4
    ['2026-03-08 01:59', ZONE, Date.UTC(2026, 2, 8, 6, 59)], // the minute before clocks go forward
    ['2026-03-08 02:30', ZONE, Date.UTC(2026, 2, 8, 7, 30)], // in the gap: 03:30 EDT, as java.time has it
    ['2026-03-08 03:00', ZONE, Date.UTC(2026, 2, 8, 7)],
    ['2026-11-01 01:30', ZONE, Date.UTC(2026, 10, 1, 5, 30)], // twice that night: the earlier, EDT
    ['2026-11-01 02:00', ZONE, Date.UTC(2026, 10, 1, 7)],
    ['2026-11-28 05:10', 'Asia/Kolkata', Date.UTC(2026, 10, 27, 23, 40)],
    ['-5m', ZONE, NOW - 300_000],
    ['-1d', ZONE, NOW - 86_400_000],
    ['4w 2d', ZONE, NOW + 4 * 604_800_000 + 2 * 86_400_000],
    ['1764300000000', ZONE, 1764300000000],
    ['yesterday', ZONE, undefined],
    ['2026-11-28T05:10', ZONE, undefined],
    ['2026-13-45', ZONE, undefined],
    ['2026-02-29', ZONE, undefined],
    ['2028-02-29', 'UTC', Date.UTC(2028, 1, 29)],
    ['2026-11-28 24:00', ZONE, undefined],
    ['2026-11-28 10:60', ZONE, undefined],
  ])('%s in %s', (text, zone, expected) => {
    expect(parseJqlDate(text, NOW, zone)).toBe(expected);
  });
});

describe('compareByJql', () => {
  const order = (jql: string) =>
    [...all]
      .sort(compareByJql(parseJql(jql, NOW, ZONE).orderBy))
      .map((i) => i.key)
      .join(' ');
  it.each([
    ['project = SBX ORDER BY updated ASC', 'SBX-3 SBX-1 OTH-1 SBX-2'],
    ['project = SBX ORDER BY updated DESC', 'SBX-2 SBX-1 OTH-1 SBX-3'],
    ['project = SBX ORDER BY key', 'OTH-1 SBX-1 SBX-2 SBX-3'],
    ['project = SBX ORDER BY created DESC, key DESC', 'SBX-3 SBX-1 OTH-1 SBX-2'],
    ['project = SBX', 'SBX-3 SBX-1 OTH-1 SBX-2'],
  ])('%s', (jql, keys) => {
    expect(order(jql)).toBe(keys);
  });
});

describe('jqlValueErrors', () => {
  const vocabulary: JqlVocabulary = {
    knows: (field, value) =>
      ({
        project: ['sbx', '10000', 'sandbox'],
        status: ['to do', 'done'],
        statusCategory: ['new', 'done'],
        issuetype: ['task'],
        resolution: ['done'],
      })[field].includes(value.toLowerCase()),
    issueExists: (key) => key.toUpperCase() === 'SBX-1',
  };
  it.each([
    ['project = SBX AND status = Done AND key = SBX-1', []],
    ['status = Resolved', ["The value 'Resolved' does not exist for the field 'status'."]],
    ['project in (SBX, NOPE)', ["The value 'NOPE' does not exist for the field 'project'."]],
    ['key in (SBX-1, SBX-99)', ["An issue with key 'SBX-99' does not exist for field 'key'."]],
    ['key = 1.0', ["The issue key '1.0' for field 'key' is invalid."]],
    [
      'resolution = Unresolved OR resolution = Fixed',
      ["The value 'Fixed' does not exist for the field 'resolution'."],
    ],
    ['NOT (issuetype = Epic)', ["The value 'Epic' does not exist for the field 'issuetype'."]],
  ])('%s', (jql, errors) => {
    expect(jqlValueErrors(parseJql(jql, NOW, ZONE), vocabulary)).toEqual(errors);
  });
});
