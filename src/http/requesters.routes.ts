import type { Application } from '../application/application.ts';
import type { Actor } from '../store/audit.repo.ts';
import { HttpProblem } from './problem.ts';
import type { RouteHandlers } from './route-table.ts';

/**
 * A requester's rights over their data, behind ADMIN_TOKEN (an operator answers the person's request):
 * `GET /v1/requesters/:id/export` returns everything held about them; `DELETE /v1/requesters/:id` erases it
 * (application/requester-rights.ts) and re-pushes the tracker issues that quoted them. DELETE is idempotent.
 * Both are recorded as done by the admin token (the only credential these routes accept).
 */
const ADMIN_ACTOR: Actor = 'admin token';

export function requestersHandlers({
  application,
}: {
  application: Application;
}): Pick<RouteHandlers, 'exportRequester' | 'eraseRequester'> {
  return {
    exportRequester: async ({ params: { id } }, _req, res) => {
      const data = await application.requesterRights.export(id, ADMIN_ACTOR);
      if (!data) throw new HttpProblem(404, 'not-found', 'Not found', `no requester with id ${id}`);
      res.set('Cache-Control', 'no-store').json(data);
    },

    eraseRequester: async ({ params: { id } }, req, res) => {
      const erased = await application.requesterRights.erase(id, ADMIN_ACTOR);
      if (erased.outcome === 'not-found') {
        throw new HttpProblem(404, 'not-found', 'Not found', `no requester with id ${id}`);
      }
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
    },
  };
}
