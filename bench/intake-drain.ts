import { setTimeout as sleep } from 'node:timers/promises';

/**
 * After an intake run on `node src/main.ts start`, how long the service's own triage workers take to triage what
 * the load left untriaged (requests still `received`). Read through the pending-work gauge of GET /metrics, the
 * only way in while the process holds PGlite.
 */

export interface TriageDrain {
  /** Untriaged requests at the first reading after the load; null when the gauge never answered. */
  backlogAtEnd: number | null;
  /** Seconds after the load ended the first reading came (the gauge's database read gives up after 2 s). */
  firstReadingSeconds: number | null;
  /** Seconds from the end of the load until none was left; null when some were left at the deadline. */
  seconds: number | null;
  /** Untriaged requests at the last reading (0 when done). */
  left: number | null;
}

const GAUGE = /suggested_sync_pending_work\{kind="untriaged_requests"\} (\d+)/;

/** The untriaged-requests gauge; undefined when the scrape failed or its database read did not answer. */
export async function untriagedRequests(url: string): Promise<number | undefined> {
  const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) }).then(
    (res) => (res.ok ? res.text() : ''),
    () => '',
  );
  const match = GAUGE.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Polls the gauge from `loadEndedAt` until it reads 0, `timeoutMs` at most. */
export async function measureTriageDrain(
  url: string,
  loadEndedAt: number,
  // Every second: the service caches the gauge that long, and each scrape's read queues behind triage on PGlite.
  { timeoutMs, intervalMs = 1_000, signal }: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal },
): Promise<TriageDrain> {
  const since = () => (Date.now() - loadEndedAt) / 1000;
  const drain: TriageDrain = { backlogAtEnd: null, firstReadingSeconds: null, seconds: null, left: null };
  while (Date.now() - loadEndedAt < timeoutMs && !signal?.aborted) {
    const n = await untriagedRequests(url);
    if (n !== undefined) {
      if (drain.backlogAtEnd === null) {
        drain.backlogAtEnd = n;
        drain.firstReadingSeconds = since();
      }
      drain.left = n;
      if (n === 0) return { ...drain, seconds: since() };
    }
    await sleep(intervalMs);
  }
  return drain;
}
