import { type EntityFilters, entityFilters } from '../entity-filters.ts';
import {
  type Accessors,
  matchesFilter,
  type PageArgs,
  paginate,
  type Sortable,
  sortItems,
} from '../filters.ts';
import type { LinearState } from '../state.ts';

/**
 * A GraphQL source object. graphql-js's default resolver reads each field from it and calls it when it is a
 * function (with the field's arguments), which is how relations and sub-connections load lazily.
 */
export type View = Record<string, unknown>;

export interface ConnectionArgs extends PageArgs {
  filter?: unknown;
  includeArchived?: boolean | null;
  orderBy?: string | null;
  sort?: readonly Record<string, { order?: 'Ascending' | 'Descending' | null } | null>[] | null;
  sorts?: readonly Record<string, { order?: 'Ascending' | 'Descending' | null } | null>[] | null;
}

export function filtersFor(state: LinearState): EntityFilters {
  return entityFilters({
    nowMs: state.nowMs(),
    team: (id) => state.teams.get(id),
    state: (id) => state.states.get(id),
    issue: (id) => state.issues.get(id),
    customer: (id) => state.customers.get(id),
    attachmentsOf: (issueId) => [...state.attachments.values()].filter((a) => a.issueId === issueId),
    label: (id) => state.labels.get(id),
  });
}

/** Filter (unless archived and not asked for), order, then cut one page; each node is presented. */
export function connection<T extends Sortable & { archivedAt?: string | null }>(
  items: Iterable<T>,
  args: ConnectionArgs,
  accessors: Accessors<T> | undefined,
  present: (item: T) => View,
  /** Keep the given order unless the caller asks for one (workflow states come in position order). */
  keepOrder = false,
): View {
  const all = [...items];
  const kept = all.filter(
    (item) =>
      (args.includeArchived || !item.archivedAt) &&
      (accessors ? matchesFilter(item, args.filter, accessors) : true),
  );
  const sort = args.sort ?? args.sorts;
  const order = (list: T[]) =>
    keepOrder && !args.orderBy && !sort?.length ? list : sortItems(list, args.orderBy, sort);
  // A cursor whose node has left the filtered list since the last page is looked up among all the nodes.
  const page = paginate(order(kept), args, () => order(all));
  return { nodes: page.nodes.map(present), pageInfo: page.pageInfo };
}

/** https://linear.app/developers/graphql — IssueCreateInput.priority. */
export const PRIORITY_LABELS = ['No priority', 'Urgent', 'High', 'Medium', 'Low'] as const;

export function slug(text: string, max = 40): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
}
