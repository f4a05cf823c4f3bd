import type { Request, Response } from 'express';
import type { z } from 'zod';
import { FEATURE_STATUSES } from '../../domain/status.ts';
import {
  type ConsoleFeatureFilters,
  type ConsoleFeatureLink,
  type ConsoleFeatureSort,
  listConsoleFeatures,
} from '../../store/console-features.repo.ts';
import type { AppDeps } from '../app.ts';
import { decodeFeatureCursor, encodeFeatureCursor } from '../feature-cursor.ts';
import type { RouteHandlers } from '../route-table.ts';
import { CONSOLE_CSP, sendView } from '../views/views.ts';
import type { consoleFeatureQuery } from './console-routes.ts';
import { layoutData } from './console-session.ts';
import { featurePage } from './feature.pages.ts';
import { featureActionPages } from './feature-actions.pages.ts';
import { featureLabels } from './feature-view.ts';

/**
 * The features page: features ranked (score, recency, requesters, revenue), filtered (status, tracker, source,
 * company, tier, tag) and searched by words the way triage reads them; merged features only when asked for. A page
 * is one query for its rows and one for their links, from a keyset cursor: no count of the whole table.
 */

const PAGE_SIZE = 50;
const TRACKERS = ['jira', 'linear', 'none'] as const;

type Query = z.infer<typeof consoleFeatureQuery>;

const listOf = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const trimmed = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);

/** The query's filters, or the sentence that says which one is wrong. */
function readFilters(
  query: Query,
): { filters: Omit<ConsoleFeatureFilters, 'termGroups'> } | { problem: string } {
  const statuses = listOf(query.status).filter((s) => s !== '');
  const unknown = statuses.find((s) => !(FEATURE_STATUSES as readonly string[]).includes(s));
  if (unknown !== undefined) {
    return { problem: `There is no status “${unknown}”: choose among ${FEATURE_STATUSES.join(', ')}.` };
  }
  const tracker = trimmed(query.tracker);
  if (tracker !== undefined && !(TRACKERS as readonly string[]).includes(tracker)) {
    return { problem: 'Tracker must be jira, linear or none (not linked).' };
  }
  return {
    filters: {
      statuses,
      tracker: tracker as (typeof TRACKERS)[number] | undefined,
      source: trimmed(query.source),
      company: trimmed(query.company),
      tier: trimmed(query.tier),
      tag: trimmed(query.tag),
    },
  };
}

/** The link of the page after this one: the same sort, filters and words, from `cursor`. */
function nextPageHref(query: Query, sort: ConsoleFeatureSort, cursor: string): string {
  const params = new URLSearchParams();
  params.set('sort', sort);
  for (const s of listOf(query.status)) params.append('status', s);
  for (const key of ['tracker', 'source', 'company', 'tier', 'tag', 'q'] as const) {
    const v = trimmed(query[key]);
    if (v !== undefined) params.set(key, v);
  }
  params.set('cursor', cursor);
  return `/console/features?${params.toString()}`;
}

function groupLinks(links: readonly ConsoleFeatureLink[]): Map<string, ConsoleFeatureLink[]> {
  const out = new Map<string, ConsoleFeatureLink[]>();
  for (const link of links) out.set(link.featureId, [...(out.get(link.featureId) ?? []), link]);
  return out;
}

async function featuresList(deps: AppDeps, query: Query, req: Request, res: Response) {
  const sort = query.sort ?? 'score';
  const read = readFilters(query);
  const q = trimmed(query.q);
  const base = { query, sort, q: q ?? '', statuses: FEATURE_STATUSES, labels: featureLabels };
  const layout = layoutData(req, 'features', 'Features');
  const after = query.cursor ? decodeFeatureCursor(sort, query.cursor, sort === 'recent') : undefined;
  const problem =
    'problem' in read
      ? read.problem
      : query.cursor && !after
        ? 'That page link is out of date (or for another sort): start again from the first page.'
        : undefined;
  if (problem !== undefined || 'problem' in read) {
    const data = { layout, ...base, problem, rows: [], next: null, searchedNothing: false, firstPage: true };
    return sendView(res, 'console/features', data, { status: 400, csp: CONSOLE_CSP });
  }
  const termGroups = q ? deps.application.searchTerms(q) : undefined;
  const page = await listConsoleFeatures(deps.store.db, {
    sort,
    filters: { ...read.filters, termGroups },
    after,
    limit: PAGE_SIZE,
  });
  const links = groupLinks(page.links);
  sendView(
    res,
    'console/features',
    {
      layout,
      ...base,
      problem: undefined,
      rows: page.rows.map((row) => ({ ...row, links: links.get(row.id) ?? [] })),
      next: page.next ? nextPageHref(query, sort, encodeFeatureCursor(sort, page.next)) : null,
      searchedNothing: termGroups !== undefined && termGroups.length === 0,
      firstPage: !after,
    },
    { csp: CONSOLE_CSP },
  );
}

/** The features list, a feature's page and what a member does there. */
export function featurePages(
  deps: AppDeps,
): Pick<RouteHandlers, 'consoleHome' | 'consoleFeatures'> &
  ReturnType<typeof featurePage> &
  ReturnType<typeof featureActionPages> {
  return {
    consoleHome: (_input, _req, res) => {
      res.redirect(303, '/console/features');
    },
    consoleFeatures: ({ query }, req, res) => featuresList(deps, query, req, res),
    ...featurePage(deps),
    ...featureActionPages(deps),
  };
}
