import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { spawnCli } from './helpers/process.ts';
import { sharedRedisUrl } from './helpers/redis.ts';

/**
 * A REDIS_URL naming a database the server does not have: ioredis only emits the SELECT's error and goes on in
 * database 0, so without a check at connect the service would start, answer ready and queue in the wrong place.
 */
describe('REDIS_URL naming a database the Redis server does not have', () => {
  it('is refused at start: exit 2 with a line naming REDIS_URL', async () => {
    const probe = new Redis(sharedRedisUrl);
    const [, databases] = (await probe.config('GET', 'databases')) as [string, string];
    probe.disconnect();
    const missing = Number(databases) + 1;
    const dir = mkdtempSync(path.join(tmpdir(), 'ss-redis-db-'));
    for (const role of ['start', 'worker']) {
      const proc = spawnCli([role], {
        REDIS_URL: `${sharedRedisUrl}/${missing}`,
        DATA_DIR: dir,
        // Redis is checked first, before any database work: this database is never reached.
        DATABASE_URL: 'postgres://127.0.0.1:1/none',
      });
      const { code } = await proc.exited;
      expect(code, proc.stderr()).toBe(2);
      expect(proc.stderr()).toMatch(/invalid configuration \(1 problem\)/);
      expect(proc.stderr()).toContain(
        `  REDIS_URL: this Redis has no database ${missing} (it has ${databases}: use /0 to /${Number(databases) - 1})`,
      );
    }
  }, 60_000);

  it('doctor names it, and takes a database the server has', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ss-redis-db-'));
    const bad = spawnCli(['doctor'], { REDIS_URL: `${sharedRedisUrl}/99`, DATA_DIR: dir });
    expect((await bad.exited).code).toBe(1);
    expect(bad.stdout()).toMatch(/^FAIL {2}redis: REDIS_URL: this Redis has no database 99 \(it has \d+/m);
    const good = spawnCli(['doctor'], { REDIS_URL: `${sharedRedisUrl}/3`, DATA_DIR: dir });
    await good.exited;
    expect(good.stdout()).toMatch(/^ok {4}redis: Redis \S+ at 127\.0\.0\.1:6379 reachable$/m);
  }, 60_000);
});
