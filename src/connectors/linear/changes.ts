import type { TrackerIssueState } from '../../domain/tracker.ts';
import type { ChangedPage } from '../tracker.ts';
import type { IssueNode, PageInfo } from './documents.ts';
import { linearSpec } from './spec.ts';

/**
 * Reconcile: the linked issues Linear changed since a cursor, page by page, with the `issues` filter on `id` and
 * `updatedAt` (https://linear.app/developers/filtering). Linear recommends webhooks over polling; this only
 * catches what webhooks missed, so it asks for linked issues only.
 */

/** Reconcile re-reads this much before its cursor: Linear's `updatedAt` and our clock need not agree. */
const RECONCILE_LAG_MS = 2 * 60_000;
export const IDS_PER_QUERY = linearSpec.pageSize.idsPerQuery;
const EPOCH = new Date(0).toISOString();

/** A reconcile page, plus the linked issues found deleted (in Linear's trash) in the window. */
export interface LinearChangedPage extends ChangedPage {
  deletedIssueIds: string[];
}

/** One page of `issues`, each node with its state already mapped (none for a trashed issue). */
interface FetchedPage {
  nodes: Array<{ node: IssueNode; state: TrackerIssueState | undefined }>;
  pageInfo: PageInfo;
}

type FetchPage = (variables: Record<string, unknown>) => Promise<FetchedPage>;

export async function* changedIssues(
  cursor: string | undefined,
  issueIds: readonly string[],
  fetchPage: FetchPage,
): AsyncGenerator<LinearChangedPage> {
  const start = cursor ?? EPOCH;
  const since = cursor ? new Date(Date.parse(cursor) - RECONCILE_LAG_MS).toISOString() : undefined;
  const idChunks = chunks([...new Set(issueIds)], IDS_PER_QUERY);
  if (idChunks.length === 0) {
    yield { issues: [], deletedIssueIds: [], cursor: start };
    return;
  }
  let latest = Date.parse(start);
  for (const [index, ids] of idChunks.entries()) {
    let after: string | null = null;
    do {
      const filter = { id: { in: ids }, ...(since ? { updatedAt: { gte: since } } : {}) };
      const page: FetchedPage = await fetchPage({ filter, first: linearSpec.pageSize.changes, after });
      for (const { node } of page.nodes) latest = Math.max(latest, Date.parse(node.updatedAt));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      // Pages come newest-created first, not by update time: only the last page may move the cursor.
      const last = after === null && index === idChunks.length - 1;
      yield {
        issues: page.nodes.flatMap(({ state }) => (state ? [state] : [])),
        deletedIssueIds: page.nodes.filter(({ state }) => !state).map(({ node }) => node.id),
        cursor: last ? new Date(latest).toISOString() : start,
      };
    } while (after);
  }
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
