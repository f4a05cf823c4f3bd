import type { Logger } from '../../log.ts';
import type { Store } from '../../store/store.ts';
import type { JobPayload } from '../catalog.ts';

/** Load → decide → apply happens in one store transaction; this only runs it and records what happened. */
export function createTriageRequestJob({ store, log }: { store: Store; log: Logger }) {
  return async ({ requestId }: JobPayload<'triage-request'>) => {
    const outcome = await store.triage.triage(requestId);
    if (outcome.kind === 'missing') log.warn({ requestId }, 'triage: request not found');
    else if (outcome.kind === 'triaged') {
      log.debug({ requestId, featureId: outcome.featureId, action: outcome.action }, 'request triaged');
    }
    return outcome;
  };
}
