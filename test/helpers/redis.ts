import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const sharedRedisUrl = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** A queue prefix no other test uses; BullMQ forbids ':' in it. */
export function freshPrefix(label: string): string {
  return `t-${label}-${randomBytes(4).toString('hex')}`;
}

export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export { freePort, startPrivateRedis } from '../../support/private-redis.ts';
