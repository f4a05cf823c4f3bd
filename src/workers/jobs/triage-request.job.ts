import type { Config } from '../../config/load.ts';
import type { Logger } from '../../log.ts';
import type { JobPayload } from '../../queue/catalog.ts';
import type { Queues } from '../../queue/queues.ts';
import { schedulePushesAfterCommit } from '../../queue/schedule-push.ts';
import type { Store } from '../../store/store.ts';

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
      await schedulePushesAfterCommit(queues, outcome.links, config.push.coalesceSeconds, log);
    }
    return outcome.kind === 'triaged' ? { ...outcome, links: outcome.links.map((l) => l.id) } : outcome;
  };
}
