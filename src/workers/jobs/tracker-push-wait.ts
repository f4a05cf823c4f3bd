import type { JobPayload } from '../../queue/catalog.ts';
import type { Queues } from '../../queue/queues.ts';
import { triageWait } from '../../rules/coalesce.ts';
import type { TrackerLink } from '../../store/links.repo.ts';

/** How soon a push waiting for triage looks again. */
export const LOOK_AGAIN_MS = 500;

export interface TriageWaitDeps {
  store: { requests: { anyUntriagedBetween: (from: Date, to: Date) => Promise<boolean> } };
  queues: Pick<Queues, 'enqueue' | 'releaseDeduplication'>;
  config: { push: { coalesceSeconds: number } };
  now: () => number;
}

/**
 * A push whose coalescing window has just closed while requests accepted in it are still being triaged (a burst,
 * a backfill) waits for them, so they go into this push instead of an update one window later; one more window at
 * most (rules/coalesce.ts `triageWait`). It waits without holding a worker, which would hold up a shutdown: the
 * push is queued again a moment later. Resolves true when it was.
 */
export async function deferForTriage(
  deps: TriageWaitDeps,
  payload: JobPayload<'tracker-push'>,
  link: Pick<TrackerLink, 'pushedAt' | 'issueId' | 'dirtySince'>,
): Promise<boolean> {
  if (!link.dirtySince) return false;
  const wait = triageWait(
    {
      lastPushedAt: link.pushedAt?.toISOString() ?? null,
      hasIssue: link.issueId !== null,
      firstDirtyAt: link.dirtySince.toISOString(),
      now: new Date(deps.now()).toISOString(),
    },
    deps.config.push.coalesceSeconds,
  );
  if (!wait || !(await deps.store.requests.anyUntriagedBetween(wait.from, wait.to))) return false;
  // This job holds the push's deduplication id until it ends: released, the next one can be queued.
  await deps.queues.releaseDeduplication('tracker-push', payload);
  await deps.queues.enqueue('tracker-push', payload, {
    delayMs: Math.min(LOOK_AGAIN_MS, wait.until.getTime() - deps.now()),
  });
  return true;
}
