import { asc, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { createIntakeWriter } from '../../src/application/intake-writer.ts';
import { fileSchema } from '../../src/config/file.schema.ts';
import { resolveSources, sourcesSchema } from '../../src/config/sources.schema.ts';
import { createSources, type Sources } from '../../src/connectors/source-registry.ts';
import type { Logger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { createQueues, type Queues } from '../../src/queue/queues.ts';
import { requests } from '../../src/store/schema.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createSourcePullJob } from '../../src/workers/jobs/source-pull.job.ts';
import { createPullLock } from '../../src/workers/source-pull-lock.ts';
import { createTestDatabase } from './database.ts';
import { captureLogs } from './logs.ts';
import { deleteKeys, freshPrefix, sharedRedisUrl } from './redis.ts';

/**
 * The intake pipeline without the HTTP service: a fresh database (PGlite or Postgres), real Redis queues under a
 * fresh prefix, the configured sources built by the real registry, and the real `source-pull` job, called directly.
 */
export async function startIntakeHarness(list: unknown[], env: Record<string, string>) {
  const database = await createTestDatabase();
  const store = openStore(
    database.url ? { kind: 'postgres', url: database.url, poolSize: 4 } : { kind: 'pglite' },
  );
  await store.migrate();
  const prefix = freshPrefix('intake');
  const redis = new Redis(sharedRedisUrl, { maxRetriesPerRequest: null });
  const { log, logs } = captureLogs();
  const retention = fileSchema.parse({}).retention;
  const queues = createQueues({ connection: redis, prefix, retention, log });
  const resolved = resolveSources(sourcesSchema.parse(list), env);
  if (resolved.problems.length) throw new Error(resolved.problems.join('\n'));
  const sources = await createSources(resolved.sources, { log }, { redis, prefix });
  const { metrics, write, pull } = sourcePullJob({ store, sources, queues, redis }, log);
  return {
    store,
    queues,
    redis,
    sources,
    metrics,
    log,
    logs,
    write,
    pull: (sourceId: string) => pull({ sourceId }),
    requestsOf: (sourceId: string) => requestsOf(store, sourceId),
    /** Triage jobs the writer enqueued. */
    triageJobs: () => queues.queue('triage').getJobs(['waiting', 'delayed', 'prioritized']),
    async close() {
      await queues.close();
      redis.disconnect();
      await deleteKeys(sharedRedisUrl, prefix).catch(() => {});
      await store.close();
      await database.drop();
    },
  };
}

export type IntakeHarness = Awaited<ReturnType<typeof startIntakeHarness>>;

/**
 * The real `source-pull` job (with its intake writer and its lock in `redis` under the queues' prefix) over a
 * store, its sources and queues, logging to `log`.
 */
export function sourcePullJob(
  { store, sources, queues, redis }: { store: Store; sources: Sources; queues: Queues; redis: Redis },
  log: Logger,
) {
  const metrics = createMetrics();
  const write = createIntakeWriter({ store, queues, metrics, log });
  const lock = createPullLock(redis, queues.prefix);
  return { metrics, write, pull: createSourcePullJob({ store, sources, write, lock, metrics, log }) };
}

/** What a source's `reply` needs of a stored request (its ref, its thread, its link). */
export function replyThreadOf(
  row: Pick<typeof requests.$inferSelect, 'sourceRef' | 'sourceThread' | 'url'> | undefined,
) {
  return {
    sourceRef: row?.sourceRef ?? null,
    sourceThread: row?.sourceThread ?? null,
    url: row?.url ?? null,
  };
}

/** A source's stored requests, by source ref. */
export function requestsOf(store: Store, sourceId: string) {
  return store.db
    .select()
    .from(requests)
    .where(eq(requests.source, sourceId))
    .orderBy(asc(requests.sourceRef));
}
