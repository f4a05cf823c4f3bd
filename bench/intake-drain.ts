import { setTimeout as sleep } from 'node:timers/promises';
import { percentile, requestBody } from './load.ts';

/**
 * After an intake run on `node src/main.ts start`, how long the service's own triage workers take to triage what
 * the load left untriaged (requests still `received`), read through the pending-work gauge of GET /metrics, the
 * only way in while the process holds PGlite; and how the service answers meanwhile: a trickle of new requests
 * and of feature-list reads, one at a time, while most of the backlog is left.
 */

/** How one kind of probe was answered during the drain. */
export interface ProbeFigures {
  sent: number;
  /** Answered with the expected status (202 for an accept, 200 for a read). */
  answered: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface TriageDrain {
  /** Untriaged requests at the first reading after the load; null when the gauge never answered. */
  backlogAtEnd: number | null;
  /** Seconds after the load ended the first reading came (the gauge's database read gives up after 2 s). */
  firstReadingSeconds: number | null;
  /** Seconds from the end of the load until none was left; null when some were left at the deadline. */
  seconds: number | null;
  /** Untriaged requests at the last reading (0 when done). */
  left: number | null;
  /** Requests triaged per second from the first reading to the last (the probe's accepts included). */
  perSecond: number | null;
  /** One new request every 250 ms during the drain. */
  accepts: ProbeFigures;
  /** One `GET /v1/features` every second during the drain. */
  reads: ProbeFigures;
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

/** The probes stop once fewer requests than this are left, so that the last of them do not hold the end off. */
const PROBE_UNTIL_LEFT = 100;
const ACCEPT_EVERY_MS = 250;
const READ_EVERY_MS = 1_000;

/** Sends one request after another, `everyMs` apart, until `stop`; times each answered one. */
async function probe(
  send: () => Promise<Response>,
  expected: number,
  everyMs: number,
  stop: { now: boolean },
): Promise<ProbeFigures> {
  const latencies: number[] = [];
  let sent = 0;
  while (!stop.now) {
    const started = performance.now();
    sent++;
    const ok = await send().then(
      async (res) => {
        await res.arrayBuffer();
        return res.status === expected;
      },
      () => false,
    );
    const ms = performance.now() - started;
    if (ok) latencies.push(ms);
    await sleep(Math.max(0, everyMs - ms));
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    sent,
    answered: latencies.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length > 0 ? (sorted[sorted.length - 1] ?? null) : null,
  };
}

/** Polls the gauge from `loadEndedAt` until it reads 0, `timeoutMs` at most, probing the service meanwhile. */
export async function measureTriageDrain(
  url: string,
  loadEndedAt: number,
  {
    timeoutMs,
    // Every second: the service caches the gauge that long, and each scrape's read queues behind triage on PGlite.
    intervalMs = 1_000,
    signal,
    apiKey,
    runId,
    sequence,
  }: {
    timeoutMs: number;
    intervalMs?: number;
    signal?: AbortSignal;
    apiKey: string;
    runId: string;
    /** The load's counter, so a probe's request is as unique as the load's. */
    sequence: { next: number };
  },
): Promise<TriageDrain> {
  const since = () => (Date.now() - loadEndedAt) / 1000;
  const headers = { authorization: `Bearer ${apiKey}` };
  const timeout = () => AbortSignal.timeout(10_000);
  const stop = { now: false };
  const accepting = probe(
    () =>
      fetch(`${url}/v1/requests`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: requestBody(runId, sequence.next++),
        signal: timeout(),
      }),
    202,
    ACCEPT_EVERY_MS,
    stop,
  );
  const reading = probe(
    () => fetch(`${url}/v1/features?limit=20`, { headers, signal: timeout() }),
    200,
    READ_EVERY_MS,
    stop,
  );
  let backlogAtEnd: number | null = null;
  let firstReadingSeconds: number | null = null;
  let seconds: number | null = null;
  let left: number | null = null;
  let lastReadingSeconds: number | null = null;
  try {
    while (Date.now() - loadEndedAt < timeoutMs && !signal?.aborted) {
      const n = await untriagedRequests(url);
      if (n !== undefined) {
        if (backlogAtEnd === null) {
          backlogAtEnd = n;
          firstReadingSeconds = since();
        }
        left = n;
        lastReadingSeconds = since();
        if (n < PROBE_UNTIL_LEFT) stop.now = true;
        if (n === 0) {
          seconds = lastReadingSeconds;
          break;
        }
      }
      await sleep(intervalMs);
    }
  } finally {
    stop.now = true;
  }
  const [accepts, reads] = await Promise.all([accepting, reading]);
  const elapsed =
    firstReadingSeconds !== null && lastReadingSeconds !== null
      ? lastReadingSeconds - firstReadingSeconds
      : 0;
  const triaged = backlogAtEnd !== null && left !== null ? backlogAtEnd + accepts.answered - left : null;
  return {
    backlogAtEnd,
    firstReadingSeconds,
    seconds,
    left,
    perSecond: triaged !== null && elapsed > 0 ? triaged / elapsed : null,
    accepts,
    reads,
  };
}
