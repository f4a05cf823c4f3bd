import { describe, expect, it } from 'vitest';
import { idsOnly, parseFieldSelection, parsePropertyKeys, selectFields } from './field-selection.ts';

const ALL = { summary: 's', status: 'st', labels: [], description: null, comment: {} };

describe('parseFieldSelection + selectFields', () => {
  it.each([
    ['nothing, get-issue default', undefined, 'all', Object.keys(ALL), false],
    ['nothing, search default', undefined, 'none', [], true],
    ['fields=id', ['id'], 'all', [], true],
    ['fields=key (the key is not a field, but more than ids)', ['key'], 'none', [], false],
    ['repeated fields', ['summary', 'status'], 'none', ['summary', 'status'], false],
    ['a comma list', 'summary,labels', 'none', ['summary', 'labels'], false],
    [
      'a comma list among repeats',
      ['summary,status', 'labels'],
      'none',
      ['summary', 'status', 'labels'],
      false,
    ],
    ['*all', ['*all'], 'none', Object.keys(ALL), false],
    ['*all minus comment', ['*all,-comment'], 'none', ['summary', 'status', 'labels', 'description'], false],
    ['exclusions alone', ['-description', '-comment'], 'none', ['summary', 'status', 'labels'], false],
    ['*navigable', '*navigable', 'none', Object.keys(ALL), false],
    ['an unknown field', ['nope'], 'all', [], false],
  ] as const)('%s', (_name, raw, base, names, onlyIds) => {
    const selection = parseFieldSelection(raw, base);
    expect(Object.keys(selectFields(ALL, selection))).toEqual(names);
    expect(idsOnly(selection)).toBe(onlyIds);
  });
});

describe('parsePropertyKeys', () => {
  it.each([
    [undefined, []],
    ['a,b', ['a', 'b']],
    [
      ['a', 'c'],
      ['a', 'c'],
    ],
    ['*all', ['a', 'b', 'c']],
    ['a,-a', []],
  ] as const)('%j', (raw, keys) => {
    expect(parsePropertyKeys(raw, ['a', 'b', 'c'])).toEqual(keys);
  });
});
