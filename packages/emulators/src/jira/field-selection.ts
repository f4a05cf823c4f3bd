/**
 * The `fields` parameter of get-issue and search: repeated (`fields=summary&fields=status`, what jira.js sends) or
 * comma-separated, with `*all`, `*navigable`, and `-name` exclusions. Get-issue defaults to every field, search/jql to
 * ids only (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/).
 */

export interface FieldSelection {
  /** Start from every field, or from none. */
  base: 'all' | 'none';
  names: ReadonlySet<string>;
  exclude: ReadonlySet<string>;
}

export function parseFieldSelection(raw: unknown, defaultBase: 'all' | 'none'): FieldSelection {
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const names = new Set<string>();
  const exclude = new Set<string>();
  let base: FieldSelection['base'] | undefined;
  for (const value of values) {
    if (value === '*all' || value === '*navigable') base = 'all';
    else if (value.startsWith('-')) exclude.add(value.slice(1));
    else if (value !== 'id') names.add(value);
  }
  // Exclusions alone mean "the navigable fields except these"; naming fields means "only these".
  if (base === undefined)
    base = values.length === 0 ? defaultBase : names.size === 0 && exclude.size > 0 ? 'all' : 'none';
  return { base, names, exclude };
}

/** True when only ids were asked for: search answers `{id}` per issue then. */
export function idsOnly(selection: FieldSelection): boolean {
  return selection.base === 'none' && selection.names.size === 0;
}

export function selectFields(
  all: Record<string, unknown>,
  selection: FieldSelection,
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(all)) {
    const wanted = selection.base === 'all' || selection.names.has(name);
    if (wanted && !selection.exclude.has(name)) picked[name] = value;
  }
  return picked;
}

/** `properties=a,b` / `*all`: which entity properties to return with the issue. */
export function parsePropertyKeys(raw: unknown, available: Iterable<string>): string[] {
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (values.includes('*all')) return [...available];
  const excluded = new Set(values.filter((v) => v.startsWith('-')).map((v) => v.slice(1)));
  return values.filter((v) => !v.startsWith('-') && !excluded.has(v));
}
