import { errorForLog, type Logger } from '../log.ts';
import { nextPushAt } from '../rules/coalesce.ts';
import type { DirtyLink } from '../store/feature-writes.ts';
import type { Queues } from './queues.ts';

/**
 * Queues the push of a link whose demand changed, coalesced: one window after the first unpushed change (the
 * create as well, so a new feature's first requests go into it), later ones also at least one window after the
 * previous push (rules/coalesce.ts). The deduplicated job id makes every request of a burst that finds a push
 * already waiting add nothing. "Push now" promotes the waiting job (`enqueueNow`).
 */
export async function schedulePush(
  queues: Queues,
  link: DirtyLink,
  coalesceSeconds: number,
  now = Date.now(),
): Promise<void> {
  const at = Date.parse(
    nextPushAt(
      {
        lastPushedAt: link.pushedAt?.toISOString() ?? null,
        hasIssue: link.issueId !== null,
        firstDirtyAt: (link.dirtySince ?? new Date(now)).toISOString(),
        now: new Date(now).toISOString(),
      },
      coalesceSeconds,
    ),
  );
  await queues.enqueue(
    'tracker-push',
    { linkId: link.id, kind: link.kind, site: link.site },
    { delayMs: at - now },
  );
}

/**
 * Schedules the pushes a committed transaction made due. A failed enqueue is logged, not thrown: the link stays
 * dirty in the database and the redrive queues it again.
 */
export async function schedulePushesAfterCommit(
  queues: Queues,
  links: readonly DirtyLink[],
  coalesceSeconds: number,
  log: Logger,
): Promise<void> {
  for (const link of links) {
    await schedulePush(queues, link, coalesceSeconds).catch((err: unknown) =>
      log.warn(
        { linkId: link.id, error: errorForLog(err) },
        'push enqueue failed; the redrive will pick it up',
      ),
    );
  }
}
