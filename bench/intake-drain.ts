import { setTimeout as sleep } from 'node:timers/promises';
import { percentile, requestBody } from './load.ts';

/**
 * After an intake run on `node src/main.ts start`, how long the service's own triage workers take to triage what
 * the load left untriaged (requests still `received`), read through the pending-work gauge of GET /metrics, the
 * only way in while the process holds PGlite; and how the service answers meanwhile: a new request and a
 * feature-list read every second, one at a time, while most of the backlog is left. A new request a second is
 * 86,400 a day, more than any team's sources send outside a backfill; and it matters how many come, because
 * while accepts keep coming triage leaves them part of the connection (store/pglite-turns.ts).
 */

/** How one kind of probe was answered during the drain. */
export interface ProbeFigures {
  sent: number;
  /** Answered with the expected status (202 for an accept, 200 for a read); the others failed or timed out. */
  answered: number;
  /** When each was answered (ms since the epoch). */
  answeredAt: number[];
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
  /** One new request a second during the drain. */
  accepts: ProbeFigures;
  /** One `GET /v1/features` every second during the drain. */
  reads: ProbeFigures;
}

const GAUGE = /suggested_sync_pending_work\{kind="untriaged_requests"\} (\d+)/;

/** The untriaged-requests gauge; undefined when the scrape failed or its database read did not answer. */
export async function untriagedRequests(url: string): Promise<number | undefined> {
  const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })
    .then(
      (res) => (res.ok ? res.text() : ''),
      () => '',
    )
    .catch(() => '');
  const match = GAUGE.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The probes stop once fewer requests than this are left, so that the last of them do not hold the end off. */
const PROBE_UNTIL_LEFT = 100;
/** One new request and one read a second. */
const PROBE_EVERY_MS = 1_000;

/** Sends one request after another, `everyMs` apart, until `stop`; times each answered one. */
async function probe(
  send: () => Promise<Response>,
  expected: number,
  everyMs: number,
  stop: { now: boolean },
): Promise<ProbeFigures> {
  const latencies: number[] = [];
  const answeredAt: number[] = [];
  let sent = 0;
  while (!stop.now) {
    const started = performance.now();
    sent++;
    let ok = false;
    try {
      const res = await send();
      await res.arrayBuffer();
      ok = res.status === expected;
    } catch {
      // A refused, reset or timed-out request counts as not answered.
    }
    const ms = performance.now() - started;
    if (ok) {
      latencies.push(ms);
      answeredAt.push(Date.now());
    }
    await sleep(Math.max(0, everyMs - ms));
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    sent,
    answered: latencies.length,
    answeredAt,
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
    // Every second: the service caches the gauge that long.
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
  const inTime = () => Date.now() - loadEndedAt < timeoutMs && !signal?.aborted;
  let backlogAtEnd: number | null = null;
  let firstReadingAt: number | null = null;
  let lastReadingAt: number | null = null;
  let seconds: number | null = null;
  let left: number | null = null;
  // The probes start once the backlog is known, so that none of theirs is in it.
  while (backlogAtEnd === null && inTime()) {
    const n = await untriagedRequests(url);
    if (n === undefined) await sleep(intervalMs);
    else {
      backlogAtEnd = left = n;
      firstReadingAt = lastReadingAt = Date.now();
      if (n === 0) seconds = since();
    }
  }
  const accepting = probe(
    () =>
      fetch(`${url}/v1/requests`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: requestBody(runId, sequence.next++),
        signal: timeout(),
      }),
    202,
    PROBE_EVERY_MS,
    stop,
  );
  const reading = probe(
    () => fetch(`${url}/v1/features?limit=20`, { headers, signal: timeout() }),
    200,
    PROBE_EVERY_MS,
    stop,
  );
  try {
    while (left !== 0 && inTime()) {
      if (left !== null && left < PROBE_UNTIL_LEFT) stop.now = true;
      await sleep(intervalMs);
      const n = await untriagedRequests(url);
      if (n === undefined) continue;
      left = n;
      lastReadingAt = Date.now();
      if (n === 0) seconds = since();
    }
  } finally {
    stop.now = true;
  }
  // The probes catch their own failures, so these never reject.
  const [accepts, reads] = await Promise.all([accepting, reading]);
  const elapsed =
    firstReadingAt !== null && lastReadingAt !== null ? (lastReadingAt - firstReadingAt) / 1000 : 0;
  // The probe's requests accepted before the last reading were in the backlog that drained.
  const added = accepts.answeredAt.filter((at) => lastReadingAt !== null && at <= lastReadingAt).length;
  const triaged = backlogAtEnd !== null && left !== null ? backlogAtEnd + added - left : null;
  return {
    backlogAtEnd,
    firstReadingSeconds: firstReadingAt === null ? null : (firstReadingAt - loadEndedAt) / 1000,
    seconds,
    left,
    perSecond: triaged !== null && elapsed > 0 ? triaged / elapsed : null,
    accepts,
    reads,
  };
}
