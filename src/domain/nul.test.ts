import { describe, expect, it } from 'vitest';
import { nulPaths, withoutNul } from './nul.ts';

describe('withoutNul', () => {
  it.each([
    ['a string', 'Do\u0000ne', 'Done'],
    ['only NULs', '\u0000\u0000', ''],
    [
      'nested values and keys',
      { a: ['x\u0000', { 'k\u0000ey': 'v\u0000' }], n: 1 },
      { a: ['x', { key: 'v' }], n: 1 },
    ],
    ['non-strings untouched', [1, true, null], [1, true, null]],
    ['no NUL: equal', { title: 'SSO', tags: ['a'] }, { title: 'SSO', tags: ['a'] }],
  ])('%s', (_name, value, expected) => {
    expect(withoutNul(value)).toEqual(expected);
    expect(nulPaths(withoutNul(value))).toEqual([]);
  });
});

describe('nulPaths', () => {
  it.each([
    ['none', { a: 'x', b: [1, 'y'] }, []],
    ['a nested string', { jira: { project: 'SB\u0000X' } }, [['jira', 'project']]],
    ['an array item', { tags: ['ok', 'b\u0000d'] }, [['tags', 1]]],
    // The key is what is wrong; what is under it is not reported again.
    ['a key, once', { 'k\u0000': { v: 'x\u0000' } }, [['k\u0000']]],
    ['a top-level string', 'x\u0000', [[]]],
  ])('%s', (_name, value, expected) => {
    expect(nulPaths(value)).toEqual(expected);
  });
});
