import { Writable } from 'node:stream';
import { asc, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { fileSchema } from '../../src/config/file.schema.ts';
import { resolveSources, sourcesSchema } from '../../src/config/sources.schema.ts';
import { createSources } from '../../src/connectors/sources.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { requests } from '../../src/store/schema.ts';
import { openStore } from '../../src/store/store.ts';
import { createIntakeWriter } from '../../src/workers/intake-writer.ts';
import { createSourcePullJob } from '../../src/workers/jobs/source-pull.job.ts';
import { createQueues } from '../../src/workers/queues.ts';
import { createTestDatabase } from './database.ts';
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
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const log = createLogger({ level: 'debug', destination });
  const retention = fileSchema.parse({}).retention;
  const queues = createQueues({ connection: redis, prefix, retention, log });
  const resolved = resolveSources(sourcesSchema.parse(list), env);
  if (resolved.problems.length) throw new Error(resolved.problems.join('\n'));
  const sources = createSources(resolved.sources, { log });
  const metrics = createMetrics();
  const write = createIntakeWriter({ store, queues, metrics, log });
  const pull = createSourcePullJob({ store, sources, write, metrics, log });
  return {
    store,
    queues,
    sources,
    metrics,
    log,
    logs,
    write,
    pull: (sourceId: string) => pull({ sourceId }),
    requestsOf: (sourceId: string) =>
      store.db.select().from(requests).where(eq(requests.source, sourceId)).orderBy(asc(requests.sourceRef)),
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
