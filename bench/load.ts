import autocannon from 'autocannon';

/**
 * One fixed-concurrency load run of `POST /v1/requests` with autocannon. Every request carries a different body
 * (title, requester, and a unique sourceRef), so the service cannot answer from its idempotency path: each 202
 * is a real insert plus an enqueue.
 */

export interface LoadFigures {
  /** Seconds the run actually took (autocannon's own clock). */
  seconds: number;
  /** 202 responses: the only status that means "accepted". */
  accepted: number;
  acceptedPerSecond: number;
  /** Latency of the accepted requests only, in ms; null when none was accepted. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Responses outside 2xx, and any 2xx that is not 202, by status code. */
  rejected: Record<string, number>;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
}

const TITLES = [
  'Dark mode for the dashboard',
  'Export reports to CSV',
  'Single sign-on with Okta',
  'Slack notifications when a feature ships',
  'Bulk edit of tags',
  'Two-factor authentication',
  'Custom fields on requests',
  'Webhook retries with backoff',
  'Keyboard shortcuts in the inbox',
  'Audit log export',
];
const USERS = 500;
const DOMAINS = 60;

/** A realistic intake body; `n` makes it unique within the run. */
export function requestBody(runId: string, n: number): string {
  const user = n % USERS;
  const domain = user % DOMAINS;
  return JSON.stringify({
    title: `${TITLES[n % TITLES.length]} ${n}`,
    body: `Customer asked on a call (ticket ${n}): this would save their team an hour a week. Bench run ${runId}.`,
    requester: {
      email: `user${user}@acme-${domain}.com`,
      name: `User ${user}`,
      company: { name: `Acme ${domain}`, revenue: 10_000 * (domain + 1) },
    },
    sourceRef: `bench-${runId}-${n}`,
  });
}

export function percentile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  // Nearest rank: the smallest value with at least p of the samples at or below it.
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] ?? null;
}

export async function runLoad({
  url,
  apiKey,
  connections,
  seconds,
  runId,
  sequence,
  signal,
}: {
  url: string;
  apiKey: string;
  connections: number;
  seconds: number;
  runId: string;
  /** Shared counter so warm-up and measured runs never reuse a sourceRef. */
  sequence: { next: number };
  signal?: AbortSignal;
}): Promise<LoadFigures> {
  // autocannon's own histogram keeps whole milliseconds and mixes in non-2xx responses; keep our own.
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/v1/requests`,
        method: 'POST',
        connections,
        duration: seconds,
        timeout: 10,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (request) => ({ ...request, body: requestBody(runId, sequence.next++) }),
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode === 202) latencies.push(responseTimeMs);
    });
    signal?.addEventListener('abort', () => instance.stop(), { once: true });
  });

  const sorted = Float64Array.from(latencies).sort();
  const rejected: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
    if (status !== '202') rejected[status] = count;
  }
  const accepted = result.statusCodeStats['202']?.count ?? 0;
  return {
    seconds: result.duration,
    accepted,
    acceptedPerSecond: result.duration > 0 ? accepted / result.duration : 0,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    rejected,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
