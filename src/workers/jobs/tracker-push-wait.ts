import { errorForLog, type Logger } from '../../log.ts';
import type { JobPayload } from '../../queue/catalog.ts';
import type { Queues } from '../../queue/queues.ts';
import { triageWait } from '../../rules/coalesce.ts';
import type { TrackerLink } from '../../store/links.repo.ts';

/** How often the waiter looks at triage while pushes wait for it. */
export const LOOK_AGAIN_MS = 500;

export interface TriageWaiterDeps {
  store: {
    /** The oldest untriaged request accepted at or after `from`, if any. */
    requests: { oldestUntriagedSince: (from: Date) => Promise<Date | undefined> };
  };
  queues: Pick<Queues, 'enqueue' | 'enqueueNow' | 'releaseDeduplication'>;
  /** The push coalescing window (`push.coalesceSeconds`). */
  config: { push: { coalesceSeconds: number } };
  log: Logger;
  now?: () => number;
}

interface Waiting {
  payload: JobPayload<'tracker-push'>;
  from: number;
  to: number;
  until: number;
}

/**
 * A push whose coalescing window has just closed while requests accepted in it are still being triaged (a burst,
 * a backfill) waits for them, so they go into this push instead of an update one window later; one more window at
 * most (rules/coalesce.ts `triageWait`). It waits without holding a worker (which would hold up a shutdown) and
 * without asking again itself: `defer` queues the push for the end of the longest wait and hands it to this
 * process's waiter, which looks at triage for every waiting push at once and runs each as soon as its window's
 * requests are triaged. A waiter lost with its process costs nothing: the queued push runs at the end of the wait.
 */
export function createTriageWaiter(deps: TriageWaiterDeps) {
  const now = deps.now ?? Date.now;
  const waiting = new Map<string, Waiting>();
  let timer: NodeJS.Timeout | undefined;

  let looking = false;

  async function look(): Promise<void> {
    timer = undefined;
    looking = true;
    try {
      const at = now();
      let from = Number.POSITIVE_INFINITY;
      for (const [id, w] of waiting) {
        if (w.until <= at) waiting.delete(id);
        else from = Math.min(from, w.from);
      }
      if (waiting.size === 0) return;
      const oldest = await deps.store.requests.oldestUntriagedSince(new Date(from));
      // A copy: a promoted push may run in this process and be put off again meanwhile, as a new entry.
      for (const [id, w] of [...waiting]) {
        if (oldest !== undefined && oldest.getTime() <= w.to) continue;
        if (waiting.get(id) !== w) continue;
        waiting.delete(id);
        await deps.queues.enqueueNow('tracker-push', w.payload);
      }
    } catch (error) {
      // Each queued push runs at the end of its wait all the same: let them go rather than fail again every half
      // second (a database closed at shutdown would).
      waiting.clear();
      deps.log.warn(
        { error: errorForLog(error) },
        'push triage waiter: look failed; pushes run at the end of their wait',
      );
    } finally {
      looking = false;
      schedule();
    }
  }

  function schedule(): void {
    if (timer || looking || waiting.size === 0) return;
    timer = setTimeout(() => void look(), LOOK_AGAIN_MS);
    timer.unref();
  }

  return {
    /** A push of this link got past `defer`: a waiting entry left for it would promote the next one early. */
    forget(linkId: string): void {
      waiting.delete(linkId);
    },
    /** Pushes waiting for triage in this process. */
    get waiting() {
      return waiting.size;
    },
    /**
     * Puts off this push if its window's requests are still being triaged; resolves true when it did (the caller
     * ends the job: a push is queued already).
     */
    async defer(
      payload: JobPayload<'tracker-push'>,
      link: Pick<TrackerLink, 'pushedAt' | 'issueId' | 'dirtySince'>,
    ): Promise<boolean> {
      if (!link.dirtySince) return false;
      const wait = triageWait(
        {
          lastPushedAt: link.pushedAt?.toISOString() ?? null,
          hasIssue: link.issueId !== null,
          firstDirtyAt: link.dirtySince.toISOString(),
          now: new Date(now()).toISOString(),
        },
        deps.config.push.coalesceSeconds,
      );
      if (!wait) return false;
      const oldest = await deps.store.requests.oldestUntriagedSince(wait.from);
      if (oldest === undefined || oldest > wait.to) return false;
      try {
        // This job holds the push's deduplication id until it ends: released, the next one can be queued.
        await deps.queues.releaseDeduplication('tracker-push', payload);
        await deps.queues.enqueue('tracker-push', payload, { delayMs: wait.until.getTime() - now() });
      } catch {
        // Not queued again (Redis failing): push now rather than leave the link to the redrive.
        return false;
      }
      waiting.set(payload.linkId, {
        payload,
        from: wait.from.getTime(),
        to: wait.to.getTime(),
        until: wait.until.getTime(),
      });
      schedule();
      return true;
    },
  };
}

export type TriageWaiter = ReturnType<typeof createTriageWaiter>;
