import { describe, expect, it } from 'vitest';
import {
  type Accessors,
  DEFAULT_PAGE_SIZE,
  FilterError,
  matchesComparator,
  matchesFilter,
  matchesNullable,
  matchesStringArray,
  paginate,
  parseDateOrDuration,
  sortItems,
  type ValueKind,
} from './filters.ts';

const NOW = Date.parse('2026-06-15T12:00:00.000Z');
const DAY = 86_400_000;

describe('parseDateOrDuration', () => {
  it.each([
    ['2026-06-01T00:00:00.000Z', Date.parse('2026-06-01T00:00:00.000Z')],
    ['-P2W', NOW - 14 * DAY],
    ['P1D', NOW + DAY],
    ['-PT1H30M', NOW - 90 * 60_000],
    ['-P1Y', NOW - 365 * DAY],
  ])('%s', (value, expected) => {
    expect(parseDateOrDuration(value, NOW)).toBe(expected);
  });

  it.each(['yesterday', 'P', '', 42])('rejects %s', (value) => {
    expect(() => parseDateOrDuration(value, NOW)).toThrow(FilterError);
  });
});

describe('matchesComparator', () => {
  const cases: Array<[string, unknown, Record<string, unknown>, ValueKind, boolean]> = [
    ['eq', 'started', { eq: 'started' }, 'string', true],
    ['eq miss', 'started', { eq: 'backlog' }, 'string', false],
    ['neq', 'started', { neq: 'backlog' }, 'string', true],
    ['in', 'b', { in: ['a', 'b'] }, 'string', true],
    ['nin', 'b', { nin: ['a', 'b'] }, 'string', false],
    ['eqIgnoreCase', 'SBX', { eqIgnoreCase: 'sbx' }, 'string', true],
    ['containsIgnoreCase', 'Dark Mode', { containsIgnoreCase: 'mode' }, 'string', true],
    ['startsWith', 'https://crm/x/1', { startsWith: 'https://crm/' }, 'string', true],
    ['endsWith miss', 'https://crm/x/1', { endsWith: '/2' }, 'string', false],
    ['several operators all hold', 5, { gte: 1, lt: 10, neq: 4 }, 'number', true],
    ['several operators, one fails', 5, { gte: 1, lt: 5 }, 'number', false],
    ['date gte absolute', '2026-06-10T00:00:00.000Z', { gte: '2026-06-01T00:00:00.000Z' }, 'date', true],
    ['date gt duration', '2026-06-10T00:00:00.000Z', { gt: '-P3D' }, 'date', false],
    ['date lt duration', '2026-06-10T00:00:00.000Z', { lt: '-P1D' }, 'date', true],
    ['null: true on a value', '2026-06-10T00:00:00.000Z', { null: true }, 'date', false],
    ['null: true on null', null, { null: true }, 'date', true],
    ['lt on null', null, { lt: 3 }, 'number', false],
    ['null operands are ignored', 'x', { eq: null }, 'string', true],
  ];
  it.each(cases)('%s', (_name, value, comparator, kind, expected) => {
    expect(matchesComparator(value, comparator, kind, NOW)).toBe(expected);
  });

  it('refuses an operator it does not know', () => {
    expect(() => matchesComparator('x', { like: 'x' }, 'string', NOW)).toThrow(FilterError);
  });
});

describe('matchesStringArray', () => {
  it.each([
    [['acme.com', 'acme.io'], { some: { eq: 'acme.io' } }, true],
    [['acme.com', 'acme.io'], { every: { endsWith: '.com' } }, false],
    [['acme.com'], { length: { eq: 1 } }, true],
    [[], { some: { eq: 'x' } }, false],
  ])('%j %j', (values, comparator, expected) => {
    expect(matchesStringArray(values, comparator, NOW)).toBe(expected);
  });
});

describe('matchesFilter', () => {
  interface Item {
    id: string;
    n: number;
    parent?: Item;
  }
  const fields: Accessors<Item> = {
    id: (item, f) => matchesComparator(item.id, f, 'string', NOW),
    n: (item, f) => matchesComparator(item.n, f, 'number', NOW),
    parent: (item, f) => matchesNullable(item.parent, f, fields),
  };
  const child: Item = { id: 'c', n: 2, parent: { id: 'p', n: 1 } };
  it.each([
    ['no filter', undefined, true],
    ['plain field', { n: { eq: 2 } }, true],
    ['and', { and: [{ n: { gte: 1 } }, { id: { eq: 'x' } }] }, false],
    ['or', { or: [{ n: { eq: 9 } }, { id: { eq: 'c' } }] }, true],
    ['nested relation', { parent: { id: { eq: 'p' } } }, true],
    ['nested relation miss', { parent: { n: { gt: 1 } } }, false],
    ['relation is null', { parent: { null: true } }, false],
  ])('%s', (_name, filter, expected) => {
    expect(matchesFilter(child, filter, fields)).toBe(expected);
  });

  it('a missing relation matches only { null: true }', () => {
    const orphan: Item = { id: 'o', n: 0 };
    expect(matchesFilter(orphan, { parent: { null: true } }, fields)).toBe(true);
    expect(matchesFilter(orphan, { parent: { id: { eq: 'p' } } }, fields)).toBe(false);
  });

  it('refuses a field it cannot evaluate instead of ignoring it', () => {
    expect(() => matchesFilter(child, { assignee: { id: { eq: 'x' } } }, fields)).toThrow(
      /unsupported filter field/,
    );
  });
});

describe('sortItems', () => {
  const items = [
    { id: 'a', createdAt: '2026-01-01', updatedAt: '2026-03-01' },
    { id: 'b', createdAt: '2026-02-01', updatedAt: '2026-02-01' },
    { id: 'c', createdAt: '2026-02-01', updatedAt: '2026-01-01' },
  ];
  const ids = (list: { id: string }[]) => list.map((i) => i.id).join('');
  it('defaults to newest created first, ties by id', () => {
    expect(ids(sortItems(items, undefined))).toBe('bca');
  });
  it('orderBy updatedAt', () => {
    expect(ids(sortItems(items, 'updatedAt'))).toBe('abc');
  });
  it('sort entries win, with their order', () => {
    expect(ids(sortItems(items, 'createdAt', [{ updatedAt: { order: 'Ascending' } }]))).toBe('cba');
  });
});

describe('paginate', () => {
  const items = Array.from({ length: 7 }, (_, i) => ({ id: `n${i}` }));
  const ids = (page: { nodes: { id: string }[] }) => page.nodes.map((n) => n.id).join(',');

  it('walks forward with first/after until hasNextPage is false', () => {
    const p1 = paginate(items, { first: 3 });
    expect(ids(p1)).toBe('n0,n1,n2');
    expect(p1.pageInfo).toEqual({
      startCursor: 'n0',
      endCursor: 'n2',
      hasPreviousPage: false,
      hasNextPage: true,
    });
    const p2 = paginate(items, { first: 3, after: p1.pageInfo.endCursor });
    expect(ids(p2)).toBe('n3,n4,n5');
    expect(p2.pageInfo.hasPreviousPage).toBe(true);
    const p3 = paginate(items, { first: 3, after: p2.pageInfo.endCursor });
    expect(ids(p3)).toBe('n6');
    expect(p3.pageInfo.hasNextPage).toBe(false);
  });

  it('last/before from the end', () => {
    const page = paginate(items, { last: 2, before: 'n5' });
    expect(ids(page)).toBe('n3,n4');
    expect(page.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
  });

  it(`defaults to ${DEFAULT_PAGE_SIZE} nodes`, () => {
    const many = Array.from({ length: DEFAULT_PAGE_SIZE + 1 }, (_, i) => ({ id: String(i) }));
    expect(paginate(many, {}).nodes).toHaveLength(DEFAULT_PAGE_SIZE);
  });

  it('an empty page has null cursors', () => {
    expect(paginate([], { first: 5 }).pageInfo).toEqual({
      startCursor: null,
      endCursor: null,
      hasPreviousPage: false,
      hasNextPage: false,
    });
  });

  it.each([[{ after: 'zzz' }], [{ first: -1 }], [{ first: 1.5 }]])('refuses %j', (args) => {
    expect(() => paginate(items, args)).toThrow(FilterError);
  });

  describe('a cursor whose node has left the filtered list continues from its place in the unfiltered one', () => {
    // n3 and n4 stopped matching the filter between pages.
    const kept = items.filter((item) => item.id !== 'n3' && item.id !== 'n4');
    const unfiltered = () => items;
    it.each([
      [{ first: 2, after: 'n3' }, 'n5,n6', { hasPreviousPage: true, hasNextPage: false }],
      [{ first: 2, after: 'n4' }, 'n5,n6', { hasPreviousPage: true, hasNextPage: false }],
      [{ first: 1, after: 'n2' }, 'n5', { hasPreviousPage: true, hasNextPage: true }],
      [{ last: 2, before: 'n4' }, 'n1,n2', { hasPreviousPage: true, hasNextPage: true }],
      [{ first: 5, after: 'n0', before: 'n3' }, 'n1,n2', { hasPreviousPage: true, hasNextPage: true }],
    ])('%j → %s', (args, expected, info) => {
      const page = paginate(kept, args, unfiltered);
      expect(ids(page)).toBe(expected);
      expect(page.pageInfo).toMatchObject(info);
    });

    it('a cursor in neither list is still unknown', () => {
      expect(() => paginate(kept, { after: 'zzz' }, unfiltered)).toThrow(FilterError);
      expect(() => paginate(kept, { after: 'n3' })).toThrow(FilterError);
    });
  });
});
