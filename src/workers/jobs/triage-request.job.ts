import type { Config } from '../../config.ts';
import { errorForLog, type Logger } from '../../log.ts';
import type { Store } from '../../store/store.ts';
import type { JobPayload } from '../catalog.ts';
import type { Queues } from '../queues.ts';
import { schedulePush } from '../schedule-push.ts';

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
