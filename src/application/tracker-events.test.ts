import { describe, expect, it } from 'vitest';
import type { PushTarget } from '../domain/tracker.ts';
import { whereIssueLives } from './tracker-events.ts';

const jira: PushTarget = { kind: 'jira', site: 'default', project: 'SBX', issueType: 'Task' };
const linear: PushTarget = { kind: 'linear', workspace: 'default', team: 'ENG' };

describe('whereIssueLives: the project or team whose visibility decides an unlink', () => {
  it.each([
    ['a Jira issue moved to another project', jira, 'OPS-12', { ...jira, project: 'OPS' }],
    ['a Jira issue where the target says', jira, 'SBX-3', jira],
    ['a Linear issue in another team', linear, 'DES-7', { ...linear, team: 'DES' }],
    ['no key yet: the target', jira, null, jira],
    ['a key that is not KEY-n: the target', linear, 'not a key', linear],
  ] as const)('%s', (_name, target, key, expected) => {
    expect(whereIssueLives(target, key)).toEqual(expected);
  });
});
