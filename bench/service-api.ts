import { setTimeout as sleep } from 'node:timers/promises';

/** The few calls of the service's HTTP API the tracker-sync benchmark makes, and how it waits on them. */

const TIMEOUT_MS = 10_000;

export interface ServiceAccess {
  url: string;
  apiKey: string;
}

export interface LinkView {
  tracker: 'jira' | 'linear';
  state: 'pending' | 'linked' | 'unlinked' | 'failed';
  issueKey: string | null;
  awaitingPush: boolean;
  lastError: { kind: string; message: string } | null;
}

/** A feature as GET /v1/features lists it. */
export interface FeatureSummary {
  id: string;
  title: string;
  status: string;
  requestCount: number;
}

/** A feature as GET /v1/features/:id shows it (the fields the bench reads). */
export interface FeatureView extends FeatureSummary {
  links: LinkView[];
}

async function call<T>(service: ServiceAccess, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${service.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!res.ok)
    throw new Error(`${method} ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

/** POST /v1/requests; resolves with the request id once the service answered 202. */
export async function submitRequest(service: ServiceAccess, body: unknown): Promise<string> {
  return (await call<{ id: string }>(service, 'POST', '/v1/requests', body)).id;
}

export function getFeature(service: ServiceAccess, id: string): Promise<FeatureView> {
  return call<FeatureView>(service, 'GET', `/v1/features/${id}`);
}

/** Every feature, most recent first (GET /v1/features, all pages). */
export async function listFeatures(service: ServiceAccess): Promise<FeatureSummary[]> {
  const all: FeatureSummary[] = [];
  let path: string | null = '/v1/features?sort=recent&limit=100';
  while (path) {
    const page: { data: FeatureSummary[]; links: { next: string | null } } = await call(service, 'GET', path);
    all.push(...page.data);
    path = page.links.next;
  }
  return all;
}

/** Runs `fn` over `items` with at most `concurrency` in flight; results in the items' order. */
export async function inPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * Polls `check` every `intervalMs` until it answers `{ done: true }`. Past the deadline, or when `signal` aborts,
 * throws naming what was awaited and the last progress `check` reported.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<{ done: boolean; progress: string }>,
  {
    timeoutMs,
    intervalMs,
    signal,
  }: { timeoutMs: number; intervalMs: number; signal?: AbortSignal | undefined },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { done, progress } = await check();
    if (done) return;
    if (signal?.aborted) throw new Error(`interrupted while waiting for ${what} (${progress})`);
    if (Date.now() > deadline) {
      throw new Error(`${what} did not happen within ${timeoutMs / 1000} s (last seen: ${progress})`);
    }
    await sleep(intervalMs);
  }
}
