import type { Request, Response } from 'express';
import { MAX_TITLE_LENGTH } from '../../application/feature-edits.ts';
import { isUuid } from '../../domain/ids.ts';
import { RetryableConflict } from '../../store/status.repo.ts';
import type { AppDeps } from '../app.ts';
import { linkExistingIssue, pushNow } from '../links.routes.ts';
import { HttpProblem } from '../problem.ts';
import { ROUTES, type RouteHandlers } from '../route-table.ts';
import { linkIssueBody } from '../schemas.ts';
import { sessionOf } from './console-session.ts';
import { type FeaturePageMessage, renderFeaturePage } from './feature.pages.ts';

/**
 * A member's actions on a feature's page, through the same use cases as the API, as the signed-in person: each
 * answers 303 to the page with `?done=` or `?error=` (a code the page words), or shows the page again with a 4xx
 * and the sentence that says what was wrong with the form.
 */

type Back = 'done' | 'error';

const back = (res: Response, id: string, kind: Back, code: string) =>
  res.redirect(303, `/console/features/${id}?${kind}=${code}`);

/** The page again, refusing the form: status and the problem in words. */
const refuse = (deps: AppDeps, req: Request, res: Response, id: string, message: FeaturePageMessage) =>
  renderFeaturePage(deps, req, res, id, {}, { status: 400, ...message });

/** An API problem as the sentence the page shows (its detail and the fields it names). */
function problemWords(err: HttpProblem): string {
  const fields = (err.problem.errors ?? []).map((e) => e.detail).join('; ');
  return fields || err.problem.detail || err.problem.title;
}

const slugOf = (err: HttpProblem) => err.problem.type.split('/').at(-1) ?? '';

async function editTitle(deps: AppDeps, req: Request, res: Response, id: string) {
  const form = ROUTES.consoleFeatureTitle.body.schema.safeParse(req.body);
  const title = form.success ? form.data.title.trim().replace(/\s+/g, ' ') : '';
  if (title === '')
    return refuse(deps, req, res, id, { problem: 'A title is needed: say what the feature is.' });
  if (title.length > MAX_TITLE_LENGTH) {
    return refuse(deps, req, res, id, {
      problem: `A title is at most ${MAX_TITLE_LENGTH} characters (this one has ${title.length}).`,
      title,
    });
  }
  if (title.includes('\u0000'))
    return refuse(deps, req, res, id, { problem: 'The title holds a NUL character.' });
  const edited = await deps.application.features.editTitle(id, title, sessionOf(req).email);
  if (edited.outcome === 'not-found') return renderFeaturePage(deps, req, res, id, {});
  back(
    res,
    id,
    edited.outcome === 'merged' ? 'error' : 'done',
    edited.outcome === 'merged' ? 'merged' : 'title',
  );
}

async function push(deps: AppDeps, req: Request, res: Response, id: string) {
  try {
    await pushNow({ ...deps, route: deps.route }, id, undefined, sessionOf(req).email);
    back(res, id, 'done', 'pushed');
  } catch (err) {
    if (!(err instanceof HttpProblem)) throw err;
    const slug = slugOf(err);
    if (slug === 'not-found') return renderFeaturePage(deps, req, res, id, {});
    back(res, id, 'error', slug === 'feature-merged' ? 'merged' : 'no-tracker');
  }
}

async function link(deps: AppDeps, req: Request, res: Response, id: string) {
  const form = ROUTES.consoleFeatureLink.body.schema.safeParse(req.body);
  const typed = form.success ? form.data.issue : '';
  const body = linkIssueBody.safeParse({ issue: typed });
  if (!body.success) {
    return refuse(deps, req, res, id, {
      problem: 'Type the issue’s key (ABC-12) or paste its URL.',
      issue: typed,
    });
  }
  try {
    await linkExistingIssue(deps, id, body.data, sessionOf(req).email);
    back(res, id, 'done', 'linked');
  } catch (err) {
    if (!(err instanceof HttpProblem)) throw err;
    // The tracker's own failures are not the form's fault: 502 or 503, as the API says them.
    const status = err.problem.status >= 500 ? err.problem.status : err.problem.status === 404 ? 404 : 400;
    return refuse(deps, req, res, id, { status, problem: problemWords(err), issue: typed });
  }
}

async function unlink(deps: AppDeps, req: Request, res: Response, id: string) {
  const form = ROUTES.consoleFeatureUnlink.body.schema.safeParse(req.body);
  const linkId = form.success ? form.data.linkId : '';
  if (!isUuid(linkId)) return back(res, id, 'error', 'no-link');
  try {
    const result = await deps.application.links.unlink(id, linkId, sessionOf(req).email);
    back(
      res,
      id,
      typeof result === 'string' ? 'error' : 'done',
      typeof result === 'string' ? 'no-link' : 'unlinked',
    );
  } catch (err) {
    if (!(err instanceof RetryableConflict)) throw err;
    back(res, id, 'error', 'conflict');
  }
}

async function merge(deps: AppDeps, req: Request, res: Response, id: string) {
  const form = ROUTES.consoleFeatureMerge.body.schema.safeParse(req.body);
  const into = form.success ? form.data.into.trim() : '';
  if (!isUuid(into) || into === id) {
    const problem =
      into === id ? 'A feature cannot be merged into itself.' : 'Choose the feature to merge into.';
    return refuse(deps, req, res, id, { problem });
  }
  const [from, target] = await Promise.all([
    deps.store.features.get(id, 0),
    deps.store.features.get(into, 0),
  ]);
  if (!from) return renderFeaturePage(deps, req, res, id, {});
  if (!target) return refuse(deps, req, res, id, { problem: 'The feature to merge into no longer exists.' });
  if (from.feature.mergedIntoId) return back(res, id, 'error', 'merged');
  // Merging what review suggested is a review decision; anything else is a merge by hand.
  const by = from.feature.possibleDuplicateOfId === into ? 'review' : 'api';
  try {
    const merged = await deps.application.merges.merge(
      id,
      into,
      'merge',
      {},
      { by, actor: sessionOf(req).email },
    );
    back(
      res,
      id,
      merged.outcome === 'merged' ? 'done' : 'error',
      merged.outcome === 'merged' ? 'merged' : 'merge-refused',
    );
  } catch (err) {
    if (!(err instanceof RetryableConflict)) throw err;
    back(res, id, 'error', 'conflict');
  }
}

async function unmerge(deps: AppDeps, req: Request, res: Response, id: string) {
  const result = await deps.application.merges.unmerge(id, sessionOf(req).email);
  if (result.outcome === 'not-found') return renderFeaturePage(deps, req, res, id, {});
  back(
    res,
    id,
    result.outcome === 'unmerged' ? 'done' : 'error',
    result.outcome === 'unmerged' ? 'unmerged' : 'not-merged',
  );
}

export function featureActionPages(
  deps: AppDeps,
): Pick<
  RouteHandlers,
  | 'consoleFeatureTitle'
  | 'consoleFeaturePush'
  | 'consoleFeatureLink'
  | 'consoleFeatureUnlink'
  | 'consoleFeatureMerge'
  | 'consoleFeatureUnmerge'
> {
  return {
    consoleFeatureTitle: ({ params: { id } }, req, res) => editTitle(deps, req, res, id),
    consoleFeaturePush: ({ params: { id } }, req, res) => push(deps, req, res, id),
    consoleFeatureLink: ({ params: { id } }, req, res) => link(deps, req, res, id),
    consoleFeatureUnlink: ({ params: { id } }, req, res) => unlink(deps, req, res, id),
    consoleFeatureMerge: ({ params: { id } }, req, res) => merge(deps, req, res, id),
    consoleFeatureUnmerge: ({ params: { id } }, req, res) => unmerge(deps, req, res, id),
  };
}
