import type { ImportedRequest } from '../../store/request-import.repo.ts';
import { retryAfterFromHeaders } from '../errors.ts';

/**
 * The import's way in when the embedded database (PGlite) is open in the running service, which alone may open it
 * (store/pglite-lock.ts): each row goes to that service's `POST /v1/requests`, idempotent on (source, source ref)
 * like the direct path (a stored ref keeps its first content), a few at a time, waiting out its per-key rate limit
 * (429 + Retry-After).
 */

interface ApiSinkOptions {
  baseUrl: string;
  apiKey: string;
  /** Requests in flight at once. */
  concurrency?: number;
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** The service answered something other than "accepted" or "wait": the import stops; what was sent is kept. */
export class ApiSinkError extends Error {}

const MAX_WAITS = 50;
const MAX_FAILURES = 3;

function body(row: ImportedRequest) {
  return {
    title: row.title,
    body: row.body,
    requester: row.submittedRequester,
    source: row.source,
    sourceRef: row.sourceRef,
    ...(row.url ? { url: row.url } : {}),
    ...(row.tags.length > 0 ? { tags: row.tags } : {}),
    ...(row.important ? { important: true } : {}),
    receivedAt: row.receivedAt.toISOString(),
  };
}

/** A 429 that does not say how long to wait waits this long. */
const DEFAULT_RETRY_AFTER_MS = 1000;

export function createApiSink({
  baseUrl,
  apiKey,
  concurrency = 8,
  fetchImpl = fetch,
  sleep = (ms) => new Promise((r) => setTimeout(r, ms)),
}: ApiSinkOptions) {
  async function send(row: ImportedRequest): Promise<'created' | 'duplicate'> {
    let waits = 0;
    let failures = 0;
    for (;;) {
      let res: Response;
      try {
        res = await fetchImpl(`${baseUrl}/v1/requests`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(body(row)),
        });
      } catch (err) {
        if (++failures >= MAX_FAILURES)
          throw new ApiSinkError(`the service at ${baseUrl} is unreachable (${(err as Error).message})`);
        await sleep(500 * failures);
        continue;
      }
      if (res.status === 202) {
        await res.body?.cancel();
        return res.headers.get('idempotent-replayed') === 'true' ? 'duplicate' : 'created';
      }
      const text = await res.text();
      // The ref is stored with other content (the row was edited since): the first is kept, as the direct path does.
      if (res.status === 422 && text.includes('/problems/source-ref-reused')) return 'duplicate';
      if (res.status === 429 && ++waits <= MAX_WAITS) {
        await sleep(retryAfterFromHeaders(res.headers, Date.now()) ?? DEFAULT_RETRY_AFTER_MS);
        continue;
      }
      if (res.status >= 500 && ++failures < MAX_FAILURES) {
        await sleep(500 * failures);
        continue;
      }
      let detail = text.slice(0, 300);
      try {
        detail = (JSON.parse(text) as { detail?: string; title?: string }).detail ?? detail;
      } catch {
        // not problem+json: the raw start of the answer says enough
      }
      const hint = res.status === 401 ? ' (the API key is not one this service accepts: set API_KEYS)' : '';
      throw new ApiSinkError(`the service answered ${res.status} to a row${hint}: ${detail}`);
    }
  }

  return {
    async insertMany(rows: readonly ImportedRequest[]): Promise<{ created: number }> {
      let created = 0;
      let next = 0;
      const worker = async () => {
        while (next < rows.length) {
          const row = rows[next++];
          if (row && (await send(row)) === 'created') created++;
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));
      return { created };
    },
  };
}

/** The service on this machine, if it answers on `port`: where the import may post instead. */
export async function reachableService(
  port: number,
  fetchImpl: typeof fetch = fetch,
): Promise<string | undefined> {
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    const res = await fetchImpl(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return res.ok ? baseUrl : undefined;
  } catch {
    return undefined;
  }
}
