/**
 * Pure filtering, ordering and cursor pagination for the emulator's connections: the comparators of Linear's
 * filter inputs (StringComparator, IDComparator, NumberComparator, DateComparator with ISO 8601 durations,
 * StringArrayComparator), `and` / `or` combinators, and Relay-style `first/after/last/before` windows whose
 * cursors are node ids, as Linear's are.
 */

/** A filter the emulator cannot evaluate or a cursor it does not know; resolvers turn it into "invalid input". */
export class FilterError extends Error {}

export type Filter = Readonly<Record<string, unknown>>;
export type ValueKind = 'string' | 'number' | 'date';

/** Each supported filter field: does this item match the (non-null) filter value given for the field? */
export type Accessors<T> = Readonly<Record<string, (item: T, value: unknown) => boolean>>;

const DURATION =
  /^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const UNIT_MS = [365 * 86_400_000, 30 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

/**
 * A DateTimeOrDuration value as epoch ms: an ISO date-time, or an ISO 8601 duration relative to now
 * (`-P2W` = two weeks ago), as Linear's DateComparator accepts.
 */
export function parseDateOrDuration(value: unknown, nowMs: number): number {
  if (typeof value !== 'string') throw new FilterError(`not a date or duration: ${String(value)}`);
  const duration = DURATION.exec(value);
  if (duration && value !== 'P' && value !== '-P') {
    const sign = duration[1] ? -1 : 1;
    const ms = UNIT_MS.reduce((sum, unit, i) => sum + Number(duration[i + 2] ?? 0) * unit, 0);
    return nowMs + sign * ms;
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new FilterError(`not a date or duration: ${value}`);
  return ms;
}

function normalise(value: unknown, kind: ValueKind, nowMs: number): string | number | null {
  if (value === null || value === undefined) return null;
  if (kind === 'date') return parseDateOrDuration(value, nowMs);
  if (kind === 'number') return Number(value);
  return String(value);
}

const lower = (v: unknown) => String(v).toLowerCase();

/** Whether `value` satisfies every operator of a comparator (`{ eq, in, gte, containsIgnoreCase, null, ... }`). */
export function matchesComparator(
  value: unknown,
  comparator: unknown,
  kind: ValueKind,
  nowMs: number,
): boolean {
  if (comparator === null || typeof comparator !== 'object') return true;
  const actual = normalise(value, kind, nowMs);
  for (const [op, raw] of Object.entries(comparator)) {
    if (raw === null || raw === undefined) continue;
    if (op === 'null') {
      if ((actual === null) !== raw) return false;
      continue;
    }
    const expected = Array.isArray(raw)
      ? raw.map((r) => normalise(r, kind, nowMs))
      : normalise(raw, kind, nowMs);
    const s = actual === null ? '' : String(actual);
    const ok = (() => {
      switch (op) {
        case 'eq':
          return actual === expected;
        case 'neq':
          return actual !== expected;
        case 'in':
          return (expected as unknown[]).includes(actual);
        case 'nin':
          return !(expected as unknown[]).includes(actual);
        case 'lt':
          return actual !== null && expected !== null && (actual as number) < (expected as number);
        case 'lte':
          return actual !== null && expected !== null && (actual as number) <= (expected as number);
        case 'gt':
          return actual !== null && expected !== null && (actual as number) > (expected as number);
        case 'gte':
          return actual !== null && expected !== null && (actual as number) >= (expected as number);
        case 'eqIgnoreCase':
          return actual !== null && lower(actual) === lower(expected);
        case 'neqIgnoreCase':
          return actual === null || lower(actual) !== lower(expected);
        case 'contains':
          return actual !== null && s.includes(String(expected));
        case 'containsIgnoreCase':
          return actual !== null && lower(s).includes(lower(expected));
        case 'notContains':
          return actual === null || !s.includes(String(expected));
        case 'startsWith':
          return actual !== null && s.startsWith(String(expected));
        case 'endsWith':
          return actual !== null && s.endsWith(String(expected));
        default:
          throw new FilterError(`unsupported comparator: ${op}`);
      }
    })();
    if (!ok) return false;
  }
  return true;
}

/** StringArrayComparator: `some` / `every` item comparators and a `length` NumberComparator. */
export function matchesStringArray(values: readonly string[], comparator: unknown, nowMs: number): boolean {
  if (comparator === null || typeof comparator !== 'object') return true;
  const c = comparator as { some?: unknown; every?: unknown; length?: unknown };
  if (c.some && !values.some((v) => matchesComparator(v, c.some, 'string', nowMs))) return false;
  if (c.every && !values.every((v) => matchesComparator(v, c.every, 'string', nowMs))) return false;
  if (c.length && !matchesComparator(values.length, c.length, 'number', nowMs)) return false;
  return true;
}

/** Evaluates one filter object: every field must match; `and` / `or` nest. Unknown fields are an error. */
export function matchesFilter<T>(item: T, filter: unknown, accessors: Accessors<T>): boolean {
  if (filter === null || filter === undefined) return true;
  for (const [field, value] of Object.entries(filter as Filter)) {
    if (value === null || value === undefined) continue;
    if (field === 'and') {
      if (!(value as unknown[]).every((f) => matchesFilter(item, f, accessors))) return false;
    } else if (field === 'or') {
      if (!(value as unknown[]).some((f) => matchesFilter(item, f, accessors))) return false;
    } else {
      const accessor = accessors[field];
      if (!accessor) throw new FilterError(`unsupported filter field: ${field}`);
      if (!accessor(item, value)) return false;
    }
  }
  return true;
}

/** A nullable relation filter (`NullableIssueFilter` ...): `{ null: true }` matches a missing relation. */
export function matchesNullable<R>(
  related: R | undefined,
  filter: unknown,
  accessors: Accessors<R>,
): boolean {
  const { null: isNull, ...rest } = (filter ?? {}) as { null?: boolean | null } & Filter;
  if (isNull === true) return related === undefined;
  if (related === undefined) return isNull === false ? false : Object.keys(rest).length === 0;
  return matchesFilter(related, rest, accessors);
}

export interface Sortable {
  id: string;
  createdAt: string;
  updatedAt: string;
}

type SortOrder = 'Ascending' | 'Descending';

/**
 * Orders a connection: by `sort` entries when given (`[{ updatedAt: { order: 'Ascending' } }]`), else by
 * `orderBy` (createdAt by default), newest first; ties broken by id so pages are stable.
 */
export function sortItems<T extends Sortable>(
  items: readonly T[],
  orderBy: string | null | undefined,
  sort?: readonly Readonly<Record<string, { order?: SortOrder | null } | null | undefined>>[] | null,
): T[] {
  const keys: Array<{ key: string; order: SortOrder }> = [];
  for (const entry of sort ?? []) {
    for (const [key, spec] of Object.entries(entry)) {
      if (spec) keys.push({ key, order: spec.order ?? 'Descending' });
    }
  }
  if (keys.length === 0) keys.push({ key: orderBy ?? 'createdAt', order: 'Descending' });
  return [...items].sort((a, b) => {
    for (const { key, order } of keys) {
      const av = (a as unknown as Record<string, unknown>)[key];
      const bv = (b as unknown as Record<string, unknown>)[key];
      if (av === bv) continue;
      if (av === null || av === undefined) return 1;
      if (bv === null || bv === undefined) return -1;
      const cmp = av < bv ? -1 : 1;
      return order === 'Ascending' ? cmp : -cmp;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

export interface PageArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}

export interface PageInfo {
  startCursor: string | null;
  endCursor: string | null;
  hasPreviousPage: boolean;
  hasNextPage: boolean;
}

/** Linear's default page size when neither `first` nor `last` is given. */
export const DEFAULT_PAGE_SIZE = 50;

/**
 * A Relay window over already ordered items; the cursor of a node is its id. A cursor whose node has left `items`
 * since the previous page (it no longer matches the filter, or was archived) is found in `unfiltered` (every node,
 * in the same order, computed only when needed), and the window continues from where it stood.
 */
export function paginate<T extends { id: string }>(
  items: readonly T[],
  args: PageArgs,
  unfiltered?: () => readonly { id: string }[],
): { nodes: T[]; pageInfo: PageInfo } {
  /** How many of `items` come before the cursor's node, and whether that node is one of them. */
  const position = (cursor: string): { before: number; kept: boolean } => {
    const i = items.findIndex((item) => item.id === cursor);
    if (i >= 0) return { before: i, kept: true };
    const all = unfiltered?.() ?? [];
    const at = all.findIndex((item) => item.id === cursor);
    if (at < 0) throw new FilterError(`unknown cursor: ${cursor}`);
    const earlier = new Set(all.slice(0, at).map((item) => item.id));
    return { before: items.filter((item) => earlier.has(item.id)).length, kept: false };
  };
  for (const n of [args.first, args.last]) {
    if (n !== null && n !== undefined && (!Number.isInteger(n) || n < 0))
      throw new FilterError('first and last must be non-negative integers');
  }
  const after = args.after ? position(args.after) : undefined;
  let start = after ? after.before + (after.kept ? 1 : 0) : 0;
  let end = args.before ? position(args.before).before : items.length;
  const first = args.first ?? (args.last === null || args.last === undefined ? DEFAULT_PAGE_SIZE : undefined);
  if (first !== undefined) end = Math.min(end, start + first);
  if (args.last !== null && args.last !== undefined) start = Math.max(start, end - args.last);
  const nodes = items.slice(start, Math.max(start, end));
  return {
    nodes,
    pageInfo: {
      startCursor: nodes[0]?.id ?? null,
      endCursor: nodes.at(-1)?.id ?? null,
      hasPreviousPage: start > 0,
      hasNextPage: start + nodes.length < items.length,
    },
  };
}
