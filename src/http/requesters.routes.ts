import { Router } from 'express';
import { isUuid } from '../domain/ids.ts';
import type { Logger } from '../log.ts';
import type { Queues } from '../queue/queues.ts';
import { schedulePushesAfterCommit } from '../queue/schedule-push.ts';
import type { Store } from '../store/store.ts';
import { requireAdmin } from './auth.ts';
import { HttpProblem } from './problem.ts';

/**
 * A requester's rights over their data, behind ADMIN_TOKEN (an operator answers the person's request):
 * `GET /v1/requesters/:id/export` returns everything held about them; `DELETE /v1/requesters/:id` erases it
 * (store/requester-erasure.ts) and re-pushes the tracker issues that quoted them. DELETE is idempotent.
 */
export function requestersRouter({
  store,
  queues,
  adminToken,
  apiKeys,
  coalesceSeconds,
  log,
}: {
  store: Store;
  queues: Queues;
  adminToken: string | undefined;
  apiKeys: readonly string[];
  coalesceSeconds: number;
  log: Logger;
}) {
  const router = Router();
  router.use('/v1/requesters', requireAdmin(adminToken, apiKeys));

  const requesterId = (raw: unknown): string => {
    const id = String(raw);
    if (!isUuid(id)) throw new HttpProblem(404, 'not-found', 'Not found', `no requester with id ${id}`);
    return id;
  };

  router.get('/v1/requesters/:id/export', async (req, res) => {
    const id = requesterId(req.params['id']);
    const data = await store.requesterRights.export(id);
    if (!data) throw new HttpProblem(404, 'not-found', 'Not found', `no requester with id ${id}`);
    res.set('Cache-Control', 'no-store').json(data);
  });

  router.delete('/v1/requesters/:id', async (req, res) => {
    const id = requesterId(req.params['id']);
    const erased = await store.requesterRights.erase(id);
    if (erased.outcome === 'not-found') {
      throw new HttpProblem(404, 'not-found', 'Not found', `no requester with id ${id}`);
    }
    // Committed: the links are dirty in the database, so a lost enqueue is caught by the redrive.
    await schedulePushesAfterCommit(queues, erased.dirty, coalesceSeconds, log);
    req.log.info(
      {
        requesterId: id,
        requests: erased.requestIds.length,
        links: erased.dirty.length,
        linksNotRepushed: erased.notRepushed.length,
      },
      'requester erased',
    );
    res.json({
      id,
      erased: true,
      alreadyErased: !erased.firstTime,
      requests: erased.requestIds.length,
      features: erased.featureIds.length,
      featuresRenamed: erased.retitled.length,
      cancelledNotifications: erased.cancelledNotifications,
      trackerLinksRepushed: erased.dirty.length,
      // Issues that lost the link's mark get no push: their words stay there until removed by hand.
      trackerLinksNotRepushed: erased.notRepushed,
    });
  });

  return router;
}
