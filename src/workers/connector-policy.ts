import { type Queue, UnrecoverableError, Worker } from 'bullmq';
import { type ConnectorError, isConnectorError } from '../connectors/errors.ts';

/**
 * The one place a connector error kind becomes queue behaviour, so every job treats a kind the same way.
 * Pure decision here; `applyConnectorPolicy` carries it out with BullMQ.
 */
type JobAction =
  /** 429: pause the whole tracker queue for the server's Retry-After; the job goes back to wait, no attempt used. */
  | { action: 'pause-queue'; ms: number }
  /** 401/403: the tracker refuses our credentials; hold its queue and look again later, no attempt used. */
  | { action: 'hold-queue'; ms: number; reason: string }
  /** 5xx, network, timeouts: retry with the job's exponential backoff and jitter. */
  | { action: 'retry' }
  /** 400, unknown project / team, missing issue: retrying cannot help; fail now with the reason. */
  | { action: 'stop'; reason: string };

/** How long a queue whose tracker refused our credentials waits before trying again. */
export const AUTH_HOLD_MS = 60_000;

export function actionFor(err: ConnectorError): JobAction {
  switch (err.kind) {
    case 'rate_limited':
      return { action: 'pause-queue', ms: Math.max(1, err.retryAfterMs ?? 60_000) };
    case 'auth':
      return {
        action: 'hold-queue',
        ms: AUTH_HOLD_MS,
        reason: `${err.provider} refused the credentials: ${err.message}`,
      };
    case 'transient':
      return { action: 'retry' };
    case 'invalid_input':
    case 'not_found':
    case 'config':
      return { action: 'stop', reason: `${err.provider} ${err.kind}: ${err.message}` };
  }
}

/**
 * Runs a job step and, when it throws a ConnectorError, acts on its kind. `Worker.RateLimitError()` tells BullMQ
 * to move the job back to wait without counting an attempt; `queue.rateLimit(ms)` keeps every worker of the queue
 * from taking another job until then (https://docs.bullmq.io/guide/rate-limiting#manual-rate-limit). The worker of
 * such a queue must have a `limiter` set.
 */
export async function applyConnectorPolicy<T>(
  step: () => Promise<T>,
  { queue, onHold }: { queue: Pick<Queue, 'rateLimit'>; onHold?: (reason: string) => void },
): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (!isConnectorError(err)) throw err;
    const decision = actionFor(err);
    switch (decision.action) {
      case 'pause-queue':
        await queue.rateLimit(decision.ms);
        throw Worker.RateLimitError();
      case 'hold-queue':
        onHold?.(decision.reason);
        await queue.rateLimit(decision.ms);
        throw Worker.RateLimitError();
      case 'retry':
        throw err;
      case 'stop':
        throw new UnrecoverableError(decision.reason);
    }
  }
}
