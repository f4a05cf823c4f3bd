import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError } from 'bullmq';
import type { IntakeWriter } from '../../application/intake-writer.ts';
import type { ResolvedSourceConfig } from '../../config/sources.schema.ts';
import { isConnectorError } from '../../connectors/errors.ts';
import type { IntakeSource } from '../../connectors/intake-source.ts';
import type { Sources } from '../../connectors/source-registry.ts';
import { errorForLog, type Logger } from '../../log.ts';
import type { Metrics } from '../../metrics.ts';
import type { JobPayload } from '../../queue/catalog.ts';
import type { Store } from '../../store/store.ts';
import { actionFor } from '../connector-policy.ts';
import type { PullLease, PullLock } from '../source-pull-lock.ts';

export type PullOutcome =
  | { pulled: number; pages: number }
  | { skipped: 'not-configured' | 'locked' | 'backing-off' | 'superseded' | 'rate-limited' };

/** Longest Retry-After a pull sits out itself; a longer one ends the pull and the next scheduled run goes on. */
const MAX_IN_PULL_WAIT_MS = 120_000;
/** 429s one pull sits out before leaving the rest to the next scheduled run. */
const MAX_WAITS_PER_PULL = 5;
/** Refused credentials are tried again after this many schedule intervals, doubling per failure, at most an hour. */
const MAX_AUTH_BACKOFF_MS = 3_600_000;

export function authBackoffMs(failures: number, everySeconds: number): number {
  if (failures <= 1) return 0;
  return Math.min(everySeconds * 1000 * 2 ** (failures - 1), MAX_AUTH_BACKOFF_MS);
}

/**
 * One pull of one source (the `source-pull` job, scheduled per source): from the stored cursor to the end of what
 * the source has, storing each page and the cursor after it together (intake-writer.ts). It is the only writer of
 * the cursor, and the cursor moves only from the value this pull read. A pull holds the source's lock
 * (source-pull-lock.ts) from start to end: a second pull of the same source, in any process, returns at once
 * without calling the provider; should the lock lapse under it, the cursor's compare-and-set still stops the
 * slower one at its next page. The error kinds (connector-policy.ts) become: `rate_limited`: wait the
 * server's Retry-After here and resume from the stored cursor (no attempt used, other sources unaffected);
 * `auth`: mark the source unhealthy, fail without retries, and skip scheduled runs for a growing backoff;
 * `transient`: record it and let BullMQ retry with backoff; anything else: record it and fail.
 */
export function createSourcePullJob({
  store,
  sources,
  write,
  lock,
  metrics,
  log,
  now = () => new Date(),
  maxInPullWaitMs = MAX_IN_PULL_WAIT_MS,
}: {
  store: Pick<Store, 'intake'>;
  sources: Sources;
  write: IntakeWriter;
  lock: PullLock;
  metrics: Pick<Metrics, 'sourcePullFailures' | 'sourceHealthy'>;
  log: Logger;
  now?: () => Date;
  maxInPullWaitMs?: number;
}) {
  return async function pull({ sourceId }: JobPayload<'source-pull'>): Promise<PullOutcome> {
    const source = sources.get(sourceId);
    const config = sources.config(sourceId);
    if (!source || !config) return { skipped: 'not-configured' };
    const lease = await lock.acquire(sourceId);
    if (!lease) {
      log.info({ sourceId }, 'another pull of this source is running; this one stops');
      return { skipped: 'locked' };
    }
    try {
      return await pullHolding(source, config, lease);
    } finally {
      await lease.release();
    }
  };

  async function pullHolding(
    source: IntakeSource,
    config: ResolvedSourceConfig,
    lease: PullLease,
  ): Promise<PullOutcome> {
    const sourceId = source.id;
    const row = await store.intake.ensure(source.id, source.kind);
    const wait = authBackoffMs(row.consecutiveFailures, config.schedule.everySeconds);
    if (!row.healthy && row.lastPullAt && now().getTime() < row.lastPullAt.getTime() + wait) {
      return { skipped: 'backing-off' };
    }

    let cursor = row.cursor;
    let pulled = 0;
    let pages = 0;
    let waits = 0;
    for (;;) {
      try {
        for await (const page of source.pull(cursor)) {
          if (!lease.held()) {
            log.warn(
              { sourceId },
              'this pull lost the source lock; it stops and leaves the rest to the next',
            );
            return { skipped: 'superseded' };
          }
          const stored = await write(source.id, page, { expectedCursor: cursor, cursor: page.cursor });
          if (!stored.cursorAdvanced) {
            log.info({ sourceId }, 'another pull of this source moved its cursor; this one stops');
            return { skipped: 'superseded' };
          }
          cursor = page.cursor;
          pulled += stored.created.length;
          pages++;
        }
        break;
      } catch (err) {
        if (!isConnectorError(err)) {
          await recordFailure(sourceId, 'unknown', String(errorForLog(err)['message']), false);
          throw err;
        }
        const action = actionFor(err);
        if (action.action === 'pause-queue') {
          metrics.sourcePullFailures.inc({ source: sourceId, kind: err.kind });
          if (action.ms > maxInPullWaitMs || ++waits > MAX_WAITS_PER_PULL) {
            log.warn(
              { sourceId, retryAfterMs: action.ms },
              'source rate limit outlasts this pull; next run resumes',
            );
            return { skipped: 'rate-limited' };
          }
          log.info({ sourceId, retryAfterMs: action.ms }, 'source rate limited; waiting, then resuming');
          // The stored cursor is where this pull resumes: the page that hit the limit was not stored.
          await sleep(action.ms);
          continue;
        }
        if (action.action === 'hold-queue') {
          await recordFailure(sourceId, err.kind, action.reason, true);
          throw new UnrecoverableError(action.reason);
        }
        await recordFailure(sourceId, err.kind, `${err.provider} ${err.kind}: ${err.message}`, false);
        if (action.action === 'stop') throw new UnrecoverableError(action.reason);
        throw err;
      }
    }
    await store.intake.markHealthy(sourceId, now());
    metrics.sourceHealthy.set({ source: sourceId }, 1);
    log.info({ sourceId, pulled, pages }, 'source pulled');
    return { pulled, pages };
  }

  async function recordFailure(sourceId: string, kind: string, reason: string, unhealthy: boolean) {
    metrics.sourcePullFailures.inc({ source: sourceId, kind });
    if (unhealthy) metrics.sourceHealthy.set({ source: sourceId }, 0);
    const failures = await store.intake.markFailure(sourceId, reason, unhealthy, now());
    log.warn({ sourceId, kind, reason, failures }, unhealthy ? 'source unhealthy' : 'source pull failed');
  }
}
