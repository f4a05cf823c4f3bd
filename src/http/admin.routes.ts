import { HttpProblem } from './problem.ts';
import type { RouteHandlers } from './route-table.ts';

/** Operator actions, behind ADMIN_TOKEN (the route table's `adminToken`: an API key is recognised, not allowed). */
export function adminHandlers({
  reconcile,
  dependencies,
  forgetDedupeLearning,
}: {
  reconcile: () => Promise<unknown>;
  /** Database and Redis, each `ok` or why not (health.routes probeDependencies). */
  dependencies: () => Promise<Array<[string, string]>>;
  /** Deletes every dedupe answer; returns how many there were. */
  forgetDedupeLearning: () => Promise<number>;
}): Pick<RouteHandlers, 'reconcile' | 'forgetDedupeLearning'> {
  return {
    forgetDedupeLearning: async (_input, _req, res) => {
      res.json({ forgotten: await forgetDedupeLearning() });
    },

    // Run the redrive now instead of waiting for its interval (after restoring Redis, say).
    reconcile: async (_input, _req, res) => {
      // It reads the database and writes Redis: with either away it cannot do its work, which is a 503 naming the
      // one that is away (as /readyz says), not a 500. Looked at first too, since with nothing pending a run would
      // touch Redis only to find the schedules and could answer 200 while Redis is down.
      const away = async () =>
        (await dependencies()).filter(([, state]) => state !== 'ok').map(([name]) => name);
      let down = await away();
      if (down.length === 0) {
        try {
          return void res.json({ reconciled: await reconcile() });
        } catch (err) {
          down = await away();
          if (down.length === 0) throw err;
        }
      }
      throw new HttpProblem(
        503,
        'unavailable',
        'Service unavailable',
        `cannot reconcile: not reachable: ${down.join(', ')}`,
        {},
        { 'Retry-After': '5' },
      );
    },
  };
}
