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

type PullOutcome =
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
  now = () => new Date(),
  maxInPullWaitMs = MAX_IN_PULL_WAIT_MS,
  ...deps
}: Omit<PullDeps, 'now' | 'maxInPullWaitMs'> & { now?: () => Date; maxInPullWaitMs?: number }) {
  const pull: PullDeps = { ...deps, now, maxInPullWaitMs };
  return ({ sourceId }: JobPayload<'source-pull'>): Promise<PullOutcome> => pullSource(pull, sourceId);
}

/** What a pull reads from and writes to. */
interface PullDeps {
  store: Pick<Store, 'intake'>;
  sources: Sources;
  write: IntakeWriter;
  lock: PullLock;
  metrics: Pick<Metrics, 'sourcePullFailures' | 'sourceHealthy'>;
  log: Logger;
  now: () => Date;
  maxInPullWaitMs: number;
}

/** Where one pull stands: the cursor it resumes from, what it stored, how many 429s it sat out. */
interface PullProgress {
  cursor: string | null;
  pulled: number;
  pages: number;
  waits: number;
}

async function pullSource(deps: PullDeps, sourceId: string): Promise<PullOutcome> {
  const source = deps.sources.get(sourceId);
  const config = deps.sources.config(sourceId);
  if (!source || !config) return { skipped: 'not-configured' };
  const lease = await deps.lock.acquire(sourceId);
  if (!lease) {
    deps.log.info({ sourceId }, 'another pull of this source is running; this one stops');
    return { skipped: 'locked' };
  }
  try {
    return await pullHolding(deps, source, config, lease);
  } finally {
    await lease.release();
  }
}

async function pullHolding(
  deps: PullDeps,
  source: IntakeSource,
  config: ResolvedSourceConfig,
  lease: PullLease,
): Promise<PullOutcome> {
  const { store, metrics, log, now } = deps;
  const sourceId = source.id;
  const row = await store.intake.ensure(source.id, source.kind);
  const wait = authBackoffMs(row.consecutiveFailures, config.schedule.everySeconds);
  if (!row.healthy && row.lastPullAt && now().getTime() < row.lastPullAt.getTime() + wait) {
    return { skipped: 'backing-off' };
  }
  const progress: PullProgress = { cursor: row.cursor, pulled: 0, pages: 0, waits: 0 };
  for (;;) {
    try {
      const stopped = await storePages(deps, source, lease, progress);
      if (stopped) return stopped;
      break;
    } catch (err) {
      const outcome = await afterPullError(deps, sourceId, progress, err);
      if (outcome === 'resume') continue;
      return outcome;
    }
  }
  await store.intake.markHealthy(sourceId, now());
  metrics.sourceHealthy.set({ source: sourceId }, 1);
  log.info({ sourceId, pulled: progress.pulled, pages: progress.pages }, 'source pulled');
  return { pulled: progress.pulled, pages: progress.pages };
}

/** Stores every page from the cursor on, each with the cursor after it; stops when another pull took over. */
async function storePages(
  { write, log }: PullDeps,
  source: IntakeSource,
  lease: PullLease,
  progress: PullProgress,
): Promise<PullOutcome | undefined> {
  const sourceId = source.id;
  for await (const page of source.pull(progress.cursor)) {
    if (!lease.held()) {
      log.warn({ sourceId }, 'this pull lost the source lock; it stops and leaves the rest to the next');
      return { skipped: 'superseded' };
    }
    const stored = await write(source.id, page, { expectedCursor: progress.cursor, cursor: page.cursor });
    if (!stored.cursorAdvanced) {
      log.info({ sourceId }, 'another pull of this source moved its cursor; this one stops');
      return { skipped: 'superseded' };
    }
    progress.cursor = page.cursor;
    progress.pulled += stored.created.length;
    progress.pages++;
  }
  return undefined;
}

/**
 * A pull that threw, by the connector policy: `resume` after sitting out a short rate limit, the outcome when the
 * limit outlasts this pull; anything else is recorded and thrown (unrecoverable when retrying cannot help).
 */
async function afterPullError(
  deps: PullDeps,
  sourceId: string,
  progress: PullProgress,
  err: unknown,
): Promise<PullOutcome | 'resume'> {
  const { metrics, log } = deps;
  if (!isConnectorError(err)) {
    await recordFailure(deps, sourceId, 'unknown', String(errorForLog(err)['message']), false);
    throw err;
  }
  const action = actionFor(err);
  if (action.action === 'pause-queue') {
    metrics.sourcePullFailures.inc({ source: sourceId, kind: err.kind });
    if (action.ms > deps.maxInPullWaitMs || ++progress.waits > MAX_WAITS_PER_PULL) {
      log.warn(
        { sourceId, retryAfterMs: action.ms },
        'source rate limit outlasts this pull; next run resumes',
      );
      return { skipped: 'rate-limited' };
    }
    log.info({ sourceId, retryAfterMs: action.ms }, 'source rate limited; waiting, then resuming');
    // The stored cursor is where this pull resumes: the page that hit the limit was not stored.
    await sleep(action.ms);
    return 'resume';
  }
  if (action.action === 'hold-queue') {
    await recordFailure(deps, sourceId, err.kind, action.reason, true);
    throw new UnrecoverableError(action.reason);
  }
  await recordFailure(deps, sourceId, err.kind, `${err.provider} ${err.kind}: ${err.message}`, false);
  if (action.action === 'stop') throw new UnrecoverableError(action.reason);
  throw err;
}

async function recordFailure(
  { store, metrics, log, now }: PullDeps,
  sourceId: string,
  kind: string,
  reason: string,
  unhealthy: boolean,
): Promise<void> {
  metrics.sourcePullFailures.inc({ source: sourceId, kind });
  if (unhealthy) metrics.sourceHealthy.set({ source: sourceId }, 0);
  const failures = await store.intake.markFailure(sourceId, reason, unhealthy, now());
  log.warn({ sourceId, kind, reason, failures }, unhealthy ? 'source unhealthy' : 'source pull failed');
}
