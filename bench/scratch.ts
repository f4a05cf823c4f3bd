import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * Throw-away state for one benchmark run: a fresh Postgres database (so row counts prove real inserts and no
 * earlier data skews the indexes) and the Redis keys under the run's queue prefixes. Both are removed at the end.
 */

export interface ScratchDatabase {
  name: string;
  /** Connection URL of the scratch database, for the service's DATABASE_URL. */
  url: string;
  countRequests(): Promise<number>;
  drop(): Promise<void>;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** `adminUrl` must reach a role allowed to create databases; `name` must be a plain identifier. */
export async function createScratchDatabase(adminUrl: string, name: string): Promise<ScratchDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    countRequests: () =>
      withClient(url.toString(), async (c) => {
        const { rows } = await c.query<{ n: number }>('select count(*)::int as n from requests');
        return rows[0]?.n ?? 0;
      }),
    // FORCE ends connections a crashed child may have left behind.
    drop: () =>
      withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

/** Deletes every key matching `pattern` (SCAN, never KEYS, so a shared Redis is not blocked). Returns the count. */
export async function deleteRedisKeys(redisUrl: string, pattern: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => {});
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
