import type { Request, Response } from 'express';
import type { ScoreBreakdown } from '../../rules/score.ts';
import { auditForFeature } from '../../store/audit.repo.ts';
import {
  featureCompanies,
  featureRequests,
  featureTitles,
  listConsoleFeatures,
} from '../../store/console-features.repo.ts';
import type { AppDeps } from '../app.ts';
import type { RouteHandlers } from '../route-table.ts';
import { CONSOLE_CSP, sendView } from '../views/views.ts';
import { layoutData, sessionOf } from './console-session.ts';
import { sendConsoleError } from './error-page.ts';
import { featureCsv } from './feature-csv.ts';
import { featureLabels, featureTimeline, linkErrorWords } from './feature-view.ts';

/**
 * A feature's page: its title (the product owner's summary), score and why, every request with its requester,
 * the companies, the linked issues with their live status, the timeline, and (for members) what can be done:
 * retitle, push now, link or unlink an issue, merge into a feature found by words, unmerge, export.
 */

/** The most requests a page lists (the export has them all). */
const REQUESTS_SHOWN = 500;
const EXPORT_LIMIT = 100_000;
const MERGE_CANDIDATES = 10;

const DONE: Record<string, string> = {
  title: 'Title saved. Its issues will carry it from their next push.',
  pushed: 'Push asked for: the tracker gets it in a moment.',
  linked: 'Issue linked: it now carries this feature’s demand.',
  unlinked: 'Issue unlinked: it no longer follows this feature.',
  merged: 'Merged: its requests now count for the feature it went into.',
  unmerged: 'Merge undone: its requests are back, and it is a feature of its own again.',
};

const ERRORS: Record<string, string> = {
  merged: 'This feature was merged into another meanwhile: change that one instead.',
  'no-tracker': 'No tracker is configured to push to: set one up first (see the Health page).',
  'not-merged': 'This feature is not merged into another, so there is nothing to undo.',
  'no-link': 'That issue is not linked to this feature any more.',
  conflict: 'The features changed while this was being done. Nothing was changed: look again.',
  'merge-refused': 'That merge could not be made: one of the two features was merged meanwhile.',
};

/** The merge candidates a `?merge=<words>` search finds: live features other than this one. */
async function mergeCandidates(deps: AppDeps, featureId: string, words: string | undefined) {
  if (!words?.trim()) return undefined;
  const termGroups = deps.application.searchTerms(words);
  const page = await listConsoleFeatures(deps.store.db, {
    sort: 'score',
    filters: { statuses: [], termGroups },
    limit: MERGE_CANDIDATES + 1,
  });
  return page.rows.filter((r) => r.id !== featureId).slice(0, MERGE_CANDIDATES);
}

/** When a possible duplicate's hold from the tracker ends, if it is held now. */
function heldUntil(deps: AppDeps, createdAt: Date, pendingReview: boolean, linked: boolean): Date | null {
  const seconds = deps.config.push.holdForReview;
  if (!pendingReview || linked || seconds <= 0) return null;
  const until = new Date(createdAt.getTime() + seconds * 1000);
  return until.getTime() > Date.now() ? until : null;
}

/** Everything the feature page shows; undefined when there is no such feature. */
async function featurePageData(deps: AppDeps, id: string, mergeWords: string | undefined) {
  const { store } = deps;
  const found = await store.features.get(id, 0);
  if (!found) return undefined;
  const f = found.feature;
  const [requests, companies, links, changes, merges, audit, candidates] = await Promise.all([
    featureRequests(store.db, id, REQUESTS_SHOWN),
    featureCompanies(store.db, id),
    store.links.forFeature(id),
    store.status.changes(id),
    store.status.merges(id),
    auditForFeature(store.db, id),
    mergeCandidates(deps, id, mergeWords),
  ]);
  const pendingReview = f.possibleDuplicateOfId !== null && f.reviewedAt === null && !f.mergedIntoId;
  const named = [
    ...merges.flatMap((m) => [m.fromFeatureId, m.intoFeatureId]),
    ...(f.mergedIntoId ? [f.mergedIntoId] : []),
    ...(pendingReview && f.possibleDuplicateOfId ? [f.possibleDuplicateOfId] : []),
  ];
  const titles = await featureTitles(store.db, named);
  const live = links.filter((l) => l.state !== 'unlinked');
  return {
    feature: f,
    breakdown: f.scoredAt ? (f.scoreBreakdown as unknown as ScoreBreakdown) : null,
    requests,
    companies,
    links: live.map((l) => ({ ...l, errorWords: linkErrorWords(l) })),
    timeline: featureTimeline({
      featureId: id,
      changes,
      merges,
      audit,
      titles,
      linkTrackers: new Map(links.map((l) => [l.id, l.kind])),
    }),
    mergedInto: f.mergedIntoId ? { id: f.mergedIntoId, title: titles.get(f.mergedIntoId) ?? '' } : null,
    possibleDuplicate:
      pendingReview && f.possibleDuplicateOfId
        ? { id: f.possibleDuplicateOfId, title: titles.get(f.possibleDuplicateOfId) ?? '' }
        : null,
    heldUntil: heldUntil(deps, f.createdAt, pendingReview, live.length > 0),
    mergeWords: mergeWords ?? '',
    candidates,
    moreRequests: f.requestCount > requests.length,
  };
}

export interface FeaturePageMessage {
  status?: number;
  /** A sentence naming what was wrong with a form (the page shown again). */
  problem?: string;
  /** The title the person typed, kept when it was refused. */
  title?: string;
  /** The issue the person typed, kept when it was refused. */
  issue?: string;
}

/** Renders the feature page (also after a refused form, with its message and status). */
export async function renderFeaturePage(
  deps: AppDeps,
  req: Request,
  res: Response,
  id: string,
  query: { merge?: string | undefined; done?: string | undefined; error?: string | undefined },
  message: FeaturePageMessage = {},
): Promise<void> {
  const data = await featurePageData(deps, id, query.merge);
  if (!data) {
    return sendConsoleError(req, res, {
      status: 404,
      title: 'No such feature',
      detail: 'There is no feature at this address. It may have been mistyped: find it on the Features page.',
    });
  }
  const session = sessionOf(req);
  sendView(
    res,
    'console/feature',
    {
      layout: layoutData(req, 'features', data.feature.title),
      ...data,
      member: session.role === 'member',
      labels: featureLabels,
      done: query.done ? DONE[query.done] : undefined,
      error: message.problem ?? (query.error ? ERRORS[query.error] : undefined),
      typedTitle: message.title ?? data.feature.title,
      typedIssue: message.issue ?? '',
    },
    { status: message.status ?? 200, csp: CONSOLE_CSP },
  );
}

export function featurePage(deps: AppDeps): Pick<RouteHandlers, 'consoleFeature' | 'consoleFeatureExport'> {
  return {
    consoleFeature: ({ params: { id }, query }, req, res) => renderFeaturePage(deps, req, res, id, query),

    consoleFeatureExport: async ({ params: { id } }, req, res) => {
      const found = await deps.store.features.get(id, 0);
      if (!found) {
        return sendConsoleError(req, res, {
          status: 404,
          title: 'No such feature',
          detail: 'There is no feature at this address, so there is nothing to export.',
        });
      }
      const rows = await featureRequests(deps.store.db, id, EXPORT_LIMIT);
      // Recorded before the file leaves: an export that was sent is always on record.
      await deps.application.features.recordExport(id, sessionOf(req).email, rows.length);
      res
        .status(200)
        .set({
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="feature-${id}-requests.csv"`,
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
        })
        .send(featureCsv(rows));
    },
  };
}
