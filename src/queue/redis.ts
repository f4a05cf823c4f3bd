import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError } from '../config/load.ts';

/**
 * Redis connections with the settings BullMQ recommends for production
 * (https://docs.bullmq.io/guide/going-to-production):
 * - workers block on Redis and must never give up a command: `maxRetriesPerRequest: null`;
 * - producers (the API) should fail fast when Redis is down rather than queue commands in memory:
 *   `enableOfflineQueue: false`, so an enqueue error is seen at once and the redrive takes over;
 * - reconnect forever with a capped backoff.
 */
type RedisRole = 'worker' | 'producer';

export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const common: RedisOptions = {
    retryStrategy: (times) =>
      Math.min(100 * 2 ** Math.min(times, 5), 3_000) + Math.floor(Math.random() * 200),
    enableReadyCheck: true,
    lazyConnect: false,
  };
  const byRole: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableOfflineQueue: true }
      : // commandTimeout: a Redis that accepts connections but never answers must not hang intake.
        { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000, commandTimeout: 2_000 };
  const redis = new Redis(url, { ...common, ...byRole, ...extra });
  // Errors surface through commands and readiness; an unhandled 'error' event must not crash the process.
  redis.on('error', () => {});
  return redis;
}

/**
 * Resolves when the connection is ready and on the database REDIS_URL names, or rejects after `timeoutMs`. A
 * database the server does not have (`/17` on a Redis with 16) is a ConfigError: ioredis only emits the SELECT's
 * error and carries on in database 0, where every queue would silently work.
 */
export async function waitForRedis(redis: Redis, timeoutMs = 5_000): Promise<void> {
  if (redis.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`Redis not reachable within ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = () => {
        cleanup();
        resolve();
      };
      const cleanup = () => {
        clearTimeout(timer);
        redis.off('ready', onReady);
      };
      redis.on('ready', onReady);
    });
  }
  const db = redis.options.db ?? 0;
  if (db === 0) return;
  try {
    await redis.select(db);
  } catch (err) {
    const count = await redis
      .config('GET', 'databases')
      .then((reply) => Number((reply as string[])[1]))
      .catch(() => Number.NaN);
    throw new ConfigError([
      `REDIS_URL: this Redis has no database ${db} (${Number.isFinite(count) ? `it has ${count}: use /0 to /${count - 1}` : (err as Error).message})`,
    ]);
  }
}
