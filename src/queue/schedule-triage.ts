import { errorForLog, type Logger } from '../log.ts';
import type { Queues } from './queues.ts';

/**
 * Queues triage for requests whose intake has committed. A failed enqueue is logged, not thrown: the request is
 * stored untriaged and the redrive queues it, so intake never fails because Redis did.
 */
export async function scheduleTriageAfterCommit(
  queues: Pick<Queues, 'enqueue'>,
  requestIds: Iterable<string>,
  log: Logger,
): Promise<void> {
  for (const requestId of requestIds) {
    await queues.enqueue('triage-request', { requestId }).catch((err: unknown) => {
      log.warn({ requestId, error: errorForLog(err) }, 'enqueue failed; the redrive will pick it up');
    });
  }
}
