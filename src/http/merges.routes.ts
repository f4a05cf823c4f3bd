import type { Request } from 'express';
import type { Application } from '../application/application.ts';
import { apiKeyActor } from '../store/audit.repo.ts';
import { BadCursor } from '../store/review.repo.ts';
import { RetryableConflict } from '../store/status.repo.ts';
import type { Store } from '../store/store.ts';
import { HttpProblem, validationProblem } from './problem.ts';
import type { RouteHandlers } from './route-table.ts';

/**
 * What a product owner does with triage's doubts: the review list (`GET /v1/review`, features that may duplicate
 * another, with the evidence), merging one feature into another (`POST /v1/features/:id/merge`), undoing a merge
 * (`POST /v1/features/:id/unmerge`), and saying "not a duplicate" (`POST /v1/review/:id/dismiss`). A feature in
 * the queue is held from the tracker until one of these, or until `push.holdForReview` runs out. Every answer
 * teaches dedupe; what it learned is at `GET /v1/review/stats`.
 */

interface MergesDeps {
  store: Store;
  application: Application;
}

/** Merges feature `id` into `into` (by review when review suggested it, else by hand). */
async function mergeInto({ store, application }: MergesDeps, id: string, into: string, req: Request) {
  if (into === id) {
    throw validationProblem([
      { field: 'into', in: 'body', pointer: '/into', detail: 'a feature cannot be merged into itself' },
    ]);
  }
  const [from, target] = await Promise.all([store.features.get(id), store.features.get(into)]);
  if (!from) throw new HttpProblem(404, 'not-found', 'Not found', `no feature with id ${id}`);
  if (!target) {
    throw validationProblem([
      { field: 'into', in: 'body', pointer: '/into', detail: `no feature with id ${into}` },
    ]);
  }
  if (from.feature.mergedIntoId) {
    throw new HttpProblem(
      409,
      'feature-merged',
      'Feature merged',
      `feature ${id} is already merged into ${from.feature.mergedIntoId}; unmerge it first`,
      { intoId: from.feature.mergedIntoId },
    );
  }
  // Merging what review suggested is a review decision; anything else is a merge by hand.
  const by = from.feature.possibleDuplicateOfId === into ? 'review' : 'api';
  const merged = await application.merges
    .merge(id, into, 'merge', {}, { by, actor: apiKeyActor(req.apiKeyId) })
    .catch((err: unknown) => {
      if (!(err instanceof RetryableConflict)) throw err;
      throw new HttpProblem(409, 'conflict', 'Conflict', `feature ${into} was merged meanwhile; look again`);
    });
  if (merged.outcome !== 'merged') {
    throw new HttpProblem(409, 'not-merged', 'Not merged', `feature ${id} was not merged: ${merged.reason}`);
  }
  return merged;
}

/** Undoes the latest merge of feature `id`; its pushes are queued once it commits. */
async function unmerge({ application }: MergesDeps, id: string, req: Request) {
  const result = await application.merges.unmerge(id, apiKeyActor(req.apiKeyId));
  if (result.outcome === 'not-found') {
    throw new HttpProblem(404, 'not-found', 'Not found', `no feature with id ${id}`);
  }
  if (result.outcome === 'not-merged') {
    throw new HttpProblem(409, 'not-merged', 'Not merged', `feature ${id} is not merged into another`);
  }
  return result;
}

export function mergesHandlers(
  deps: MergesDeps,
): Pick<RouteHandlers, 'listReview' | 'reviewStats' | 'dismissReview' | 'mergeFeature' | 'unmergeFeature'> {
  return {
    reviewStats: async (_input, _req, res) => {
      res.json(await deps.application.dedupeLearning.stats());
    },

    listReview: async ({ query }, _req, res) => {
      const page = await deps.application.review.list(query).catch((err: unknown) => {
        if (!(err instanceof BadCursor)) throw err;
        throw validationProblem([{ field: 'after', in: 'query', detail: err.message }]);
      });
      res.json({
        data: page.items,
        links: { next: page.next ? `/v1/review?limit=${query.limit}&after=${page.next}` : null },
      });
    },

    dismissReview: async ({ params: { id } }, req, res) => {
      // Passing the push bar, it is pushed now like any other feature (no longer held for review).
      const result = await deps.application.review.dismiss(id, apiKeyActor(req.apiKeyId));
      if (result.outcome === 'not-found') {
        throw new HttpProblem(404, 'not-found', 'Not found', `feature ${id} is not waiting for review`);
      }
      res.status(204).end();
    },

    mergeFeature: async ({ params: { id }, body }, req, res) => {
      const merged = await mergeInto(deps, id, body.into, req);
      res.json({ mergeId: merged.mergeId, featureId: id, intoId: merged.intoId });
    },

    unmergeFeature: async ({ params: { id } }, req, res) => {
      const result = await unmerge(deps, id, req);
      res.json({
        mergeId: result.mergeId,
        featureId: id,
        from: result.intoId,
        requestIds: result.requestIds,
        linkIds: result.linkIds,
      });
    },
  };
}
