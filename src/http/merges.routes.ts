import { Router } from 'express';
import type { Queues } from '../queue/queues.ts';
import { schedulePush } from '../queue/schedule-push.ts';
import { BadCursor } from '../store/review.repo.ts';
import { RetryableConflict } from '../store/status.repo.ts';
import type { Store } from '../store/store.ts';
import { featureIdParam } from './params.ts';
import { fieldErrors, HttpProblem, validationProblem } from './problem.ts';
import { mergeFeatureBody, reviewQuery } from './schemas.ts';

/**
 * What a product owner does with triage's doubts: the review list (`GET /v1/review`, features that may duplicate
 * another, with the evidence), merging one feature into another (`POST /v1/features/:id/merge`), undoing a merge
 * (`POST /v1/features/:id/unmerge`), and saying "not a duplicate" (`POST /v1/review/:id/dismiss`).
 */

export function mergesRouter({
  store,
  queues,
  coalesceSeconds,
}: {
  store: Store;
  queues: Queues;
  coalesceSeconds: number;
}) {
  const router = Router();

  router.get('/v1/review', async (req, res) => {
    const parsed = reviewQuery.safeParse(req.query);
    if (!parsed.success) throw validationProblem(fieldErrors(parsed.error, 'query'));
    const page = await store.review.list(parsed.data).catch((err: unknown) => {
      if (!(err instanceof BadCursor)) throw err;
      throw validationProblem([{ field: 'after', in: 'query', detail: err.message }]);
    });
    res.json({
      data: page.items,
      links: { next: page.next ? `/v1/review?limit=${parsed.data.limit}&after=${page.next}` : null },
    });
  });

  router.post('/v1/review/:id/dismiss', async (req, res) => {
    const id = featureIdParam(req.params['id']);
    const result = await store.review.dismiss(id);
    if (result === 'not-found') {
      throw new HttpProblem(404, 'not-found', 'Not found', `feature ${id} is not waiting for review`);
    }
    res.status(204).end();
  });

  router.post('/v1/features/:id/merge', async (req, res) => {
    const id = featureIdParam(req.params['id']);
    const parsed = mergeFeatureBody.safeParse(req.body ?? {});
    if (!parsed.success) throw validationProblem(fieldErrors(parsed.error));
    const into = parsed.data.into;
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
    const merged = await store.status
      .mergeFeatures(id, into, 'merge', {}, { by, actor: req.apiKeyId })
      .catch((err: unknown) => {
        if (!(err instanceof RetryableConflict)) throw err;
        throw new HttpProblem(
          409,
          'conflict',
          'Conflict',
          `feature ${into} was merged meanwhile; look again`,
        );
      });
    if (merged.outcome !== 'merged') {
      throw new HttpProblem(
        409,
        'not-merged',
        'Not merged',
        `feature ${id} was not merged: ${merged.reason}`,
      );
    }
    for (const link of merged.dirty) await schedulePush(queues, link, coalesceSeconds);
    res.json({ mergeId: merged.mergeId, featureId: id, intoId: merged.intoId });
  });

  router.post('/v1/features/:id/unmerge', async (req, res) => {
    const id = featureIdParam(req.params['id']);
    const result = await store.status.unmergeFeature(id, req.apiKeyId);
    if (result.outcome === 'not-found') {
      throw new HttpProblem(404, 'not-found', 'Not found', `no feature with id ${id}`);
    }
    if (result.outcome === 'not-merged') {
      throw new HttpProblem(409, 'not-merged', 'Not merged', `feature ${id} is not merged into another`);
    }
    for (const link of result.dirty) await schedulePush(queues, link, coalesceSeconds);
    res.json({
      mergeId: result.mergeId,
      featureId: id,
      from: result.intoId,
      requestIds: result.requestIds,
      linkIds: result.linkIds,
    });
  });

  return router;
}
