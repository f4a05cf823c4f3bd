import type { z } from 'zod';
import type { Application } from '../application/application.ts';
import { isConnectorError } from '../connectors/errors.ts';
import type { Tracker } from '../connectors/tracker.ts';
import type { Trackers } from '../connectors/tracker-registry.ts';
import { isUuid } from '../domain/ids.ts';
import type { PushTarget, TrackerIssueState } from '../domain/tracker.ts';
import { siteOf } from '../domain/tracker.ts';
import type { Queues } from '../queue/queues.ts';
import type { RouteInput } from '../rules/route.ts';
import { type Actor, apiKeyActor } from '../store/audit.repo.ts';
import type { TrackerLink } from '../store/links.repo.ts';
import { importedTarget, RetryableConflict } from '../store/status.repo.ts';
import type { Store } from '../store/store.ts';
import { linkView } from './features.routes.ts';
import { HttpProblem, validationProblem } from './problem.ts';
import type { RouteHandlers } from './route-table.ts';
import type { linkIssueBody } from './schemas.ts';

/**
 * A feature's tracker links by hand: push it now (`POST /v1/features/:id/push`, past the automatic bar), link an
 * issue that already exists instead (`POST /v1/features/:id/links`, by key, id or URL), unlink one
 * (`DELETE /v1/features/:id/links/:linkId`).
 */

/** A tracker's refusal as the API says it: the tracker is the one at fault, not the caller. */
function trackerProblem(err: unknown, tracker: Tracker): HttpProblem {
  if (!isConnectorError(err)) throw err;
  const name = `${tracker.kind} "${tracker.site}"`;
  if (err.kind === 'rate_limited') {
    const seconds = Math.max(1, Math.ceil((err.retryAfterMs ?? 1_000) / 1_000));
    return new HttpProblem(
      503,
      'tracker-unavailable',
      'Tracker unavailable',
      `${name} is rate limiting us; try again in ${seconds} s`,
      {},
      { 'Retry-After': String(seconds) },
    );
  }
  if (err.kind === 'auth') {
    return new HttpProblem(502, 'tracker-refused', 'Tracker refused', `${name} refused our credentials`);
  }
  return new HttpProblem(502, 'tracker-error', 'Tracker error', `${name} answered an error (${err.kind})`);
}

/** Which tracker a link request names: explicitly, by the URL's host, or the only one configured. */
function resolveTracker(trackers: Trackers, body: z.infer<typeof linkIssueBody>): Tracker {
  const all = trackers.all();
  let candidates = body.tracker ? all.filter((t) => t.kind === body.tracker) : all;
  if (body.site) candidates = candidates.filter((t) => t.site === body.site);
  if (!body.site && candidates.length > 1 && URL.canParse(body.issue)) {
    const url = new URL(body.issue);
    const byHost = trackers.forUrl(url);
    candidates = candidates.filter((t) => byHost.includes(t));
    if (candidates.length === 0) {
      throw validationProblem([
        {
          field: 'issue',
          in: 'body',
          pointer: '/issue',
          detail: `no configured ${body.tracker ?? 'tracker'} has issues on ${url.host}`,
        },
      ]);
    }
  }
  if (!body.site && candidates.length > 1) {
    const defaults = candidates.filter((t) => t.site === 'default');
    if (defaults.length === 1) candidates = defaults;
  }
  const [only] = candidates;
  if (only && candidates.length === 1) return only;
  throw validationProblem([
    {
      field: candidates.length === 0 ? (body.site ? 'site' : 'tracker') : 'tracker',
      in: 'body',
      pointer: candidates.length === 0 && body.site ? '/site' : '/tracker',
      detail:
        candidates.length === 0
          ? `no ${body.tracker ?? 'tracker'}${body.site ? ` "${body.site}"` : ''} is configured`
          : `several trackers could hold "${body.issue}": say which with "tracker" (jira or linear) and "site"`,
    },
  ]);
}

interface LinksDeps {
  store: Store;
  application: Application;
  trackers: Trackers;
  queues: Queues;
  /** Where a feature goes (routing); undefined when this process pushes nowhere. */
  route: ((input: RouteInput) => PushTarget) | undefined;
}

/** The tracker's state of the issue a link request names, or the problem that says why there is none. */
async function issueToLink(
  trackers: Trackers,
  body: z.infer<typeof linkIssueBody>,
): Promise<TrackerIssueState> {
  const tracker = resolveTracker(trackers, body);
  // Read before asking the tracker: what names no issue is the caller's mistake, not the tracker's.
  const reference = trackers.issueReference(tracker, body.issue);
  if (!reference.ok) {
    throw validationProblem([
      {
        field: 'issue',
        in: 'body',
        pointer: '/issue',
        detail: `issue must be ${reference.expected} (${tracker.kind} "${tracker.site}")`,
      },
    ]);
  }
  let state: TrackerIssueState | undefined;
  try {
    state = await tracker.getIssue(reference.ref);
  } catch (err) {
    throw trackerProblem(err, tracker);
  }
  if (!state) {
    throw new HttpProblem(
      404,
      'issue-not-found',
      'Issue not found',
      `${tracker.kind} "${tracker.site}" has no issue "${body.issue}" (or our token cannot see it)`,
    );
  }
  return state;
}

/** Links an existing issue to the feature (it now carries the feature's demand); its pushes are queued once it commits. */
export async function linkExistingIssue(
  { store, application, trackers }: Pick<LinksDeps, 'store' | 'application' | 'trackers'>,
  id: string,
  body: z.infer<typeof linkIssueBody>,
  actor: Actor,
): Promise<TrackerLink> {
  const state = await issueToLink(trackers, body);
  const linked = await application.links.linkIssue(id, state, importedTarget(state), { cause: 'api', actor });
  if (linked.outcome === 'feature-gone') {
    throw new HttpProblem(404, 'not-found', 'Not found', `no live feature with id ${id}`);
  }
  if (linked.outcome === 'taken') {
    throw new HttpProblem(
      409,
      'issue-linked',
      'Issue already linked',
      linked.featureId === id
        ? `${state.issueKey} is already linked to this feature`
        : `${state.issueKey} is linked to feature ${linked.featureId}; unlink it there first`,
      { featureId: linked.featureId },
    );
  }
  const link = await store.links.get(linked.linkId);
  if (!link) throw new Error('link vanished after insert');
  return link;
}

/** Asks for a push now, to `target` or where routing sends the feature; the link the push job works on. */
export async function pushNow(
  { application, trackers, queues, route }: Omit<LinksDeps, 'store'>,
  id: string,
  target: PushTarget | undefined,
  actor: Actor,
) {
  if (!route) {
    throw new HttpProblem(
      409,
      'no-tracker',
      'No tracker',
      'no tracker is configured for this process to push to',
    );
  }
  // Checked inside requestPush's transaction: the throw rolls it back, so a refused push leaves no pending link.
  const result = await application.features.pushNow(
    id,
    (input) => {
      const chosen = target ?? route(input);
      const site = siteOf(chosen);
      if (!trackers.get(chosen.kind, site)) {
        throw new HttpProblem(
          409,
          'no-tracker',
          'No tracker',
          `no ${chosen.kind} tracker "${site}" is configured`,
        );
      }
      return chosen;
    },
    actor,
  );
  if (result.outcome === 'not-found') {
    throw new HttpProblem(404, 'not-found', 'Not found', `no feature with id ${id}`);
  }
  if (result.outcome === 'merged') {
    throw new HttpProblem(
      409,
      'feature-merged',
      'Feature merged',
      `feature ${id} was merged into ${result.intoId}; push that one`,
    );
  }
  // Now: a push already waiting out its coalescing window runs at once.
  await queues.enqueueNow('tracker-push', {
    linkId: result.link.id,
    kind: result.link.kind,
    site: result.link.site,
  });
  return result.link;
}

export function linksHandlers(
  deps: LinksDeps,
): Pick<RouteHandlers, 'pushFeature' | 'linkIssue' | 'unlinkIssue'> {
  return {
    pushFeature: async ({ params: { id }, body }, req, res) => {
      const link = await pushNow(deps, id, body.target, apiKeyActor(req.apiKeyId));
      res.status(202).json({ link: linkView(link) });
    },

    linkIssue: async ({ params: { id }, body }, req, res) => {
      const link = await linkExistingIssue(deps, id, body, apiKeyActor(req.apiKeyId));
      res
        .status(201)
        .location(`/v1/features/${id}`)
        .json({ link: linkView(link) });
    },

    unlinkIssue: async ({ params: { id, linkId } }, req, res) => {
      const result = isUuid(linkId)
        ? await deps.application.links.unlink(id, linkId, apiKeyActor(req.apiKeyId)).catch((err: unknown) => {
            if (!(err instanceof RetryableConflict)) throw err;
            throw new HttpProblem(
              409,
              'conflict',
              'Conflict',
              'the link moved to another feature by a merge; look again',
            );
          })
        : 'not-found';
      if (result === 'not-found') {
        throw new HttpProblem(404, 'not-found', 'Not found', `feature ${id} has no link ${linkId}`);
      }
      res.status(204).end();
    },
  };
}
