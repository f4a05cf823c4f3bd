import type { Config } from '../../config.ts';
import { errorForLog, type Logger } from '../../log.ts';
import type { Store } from '../../store/store.ts';
import type { DirtyLink } from '../../store/triage.repo.ts';
import { nextPushAt } from '../../sync/coalesce.ts';
import type { JobPayload } from '../catalog.ts';
import type { Queues } from '../queues.ts';

/**
 * Queues the push of a link whose demand changed, coalesced: a first push right away, later ones at least one
 * window after the first unpushed change (sync/coalesce.ts). The deduplicated job id makes every request of a
 * burst that finds a push already waiting add nothing.
 */
export async function schedulePush(
  queues: Queues,
  link: DirtyLink,
  coalesceSeconds: number,
  now = Date.now(),
): Promise<void> {
  const at = link.pushedAt
    ? Date.parse(
        nextPushAt(
          {
            lastPushedAt: link.pushedAt.toISOString(),
            firstDirtyAt: (link.dirtySince ?? new Date(now)).toISOString(),
            now: new Date(now).toISOString(),
          },
          coalesceSeconds,
        ),
      )
    : now;
  await queues.enqueue(
    'tracker-push',
    { linkId: link.id, kind: link.kind, site: link.site },
    { delayMs: at - now },
  );
}

/** Load → decide → apply happens in one store transaction; then the pushes it made due are queued. */
export function createTriageRequestJob({
  store,
  queues,
  config,
  log,
}: {
  store: Store;
  queues: Queues;
  config: Pick<Config, 'push'>;
  log: Logger;
}) {
  return async ({ requestId }: JobPayload<'triage-request'>) => {
    const outcome = await store.triage.triage(requestId);
    if (outcome.kind === 'missing') log.warn({ requestId }, 'triage: request not found');
    else if (outcome.kind === 'triaged') {
      log.debug({ requestId, featureId: outcome.featureId, action: outcome.action }, 'request triaged');
      for (const link of outcome.links) {
        // Committed already; a lost enqueue is found again by the reconciler (the link stays dirty).
        await schedulePush(queues, link, config.push.coalesceSeconds).catch((err: unknown) =>
          log.warn(
            { linkId: link.id, error: errorForLog(err) },
            'push enqueue failed; the reconciler will pick it up',
          ),
        );
      }
    }
    return outcome.kind === 'triaged' ? { ...outcome, links: outcome.links.map((l) => l.id) } : outcome;
  };
}
