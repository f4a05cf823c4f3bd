import type { Application } from '../../application/application.ts';
import type { Logger } from '../../log.ts';
import type { JobPayload } from '../../queue/catalog.ts';

/** Load → decide → apply happens in one unit of work, which queues the pushes it made due once it commits. */
export function createTriageRequestJob({ application, log }: { application: Application; log: Logger }) {
  return async ({ requestId }: JobPayload<'triage-request'>) => {
    const outcome = await application.triage(requestId);
    if (outcome.kind === 'missing') log.warn({ requestId }, 'triage: request not found');
    else if (outcome.kind === 'triaged') {
      log.debug({ requestId, featureId: outcome.featureId, action: outcome.action }, 'request triaged');
    }
    return outcome.kind === 'triaged' ? { ...outcome, links: outcome.links.map((l) => l.id) } : outcome;
  };
}
