import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * At most one pull per source at a time, across every worker process: a Redis key set with NX and an expiry,
 * renewed while the pull runs, deleted when it ends. A killed worker stops renewing, so its lock lapses after
 * `ttlMs` and the next scheduled run pulls. Renewal and release only touch the key if it still holds this pull's
 * token (another pull may own it after a lapse). The cursor's compare-and-set (intake-writer.ts) stays the
 * guarantee of correctness; the lock saves the duplicate provider calls.
 */

/** How long a lock outlives its holder's last renewal. */
const TTL_MS = 30_000;

export const pullLockKey = (prefix: string, sourceId: string) => `${prefix}:source-pull-lock:${sourceId}`;

export interface PullLease {
  /** False once the lock may be someone else's (not renewed within the TTL, or taken over): stop pulling. */
  held(): boolean;
  release(): Promise<void>;
}

export interface PullLock {
  /** The lease, or undefined when another pull of this source holds the lock. */
  acquire(sourceId: string): Promise<PullLease | undefined>;
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

export function createPullLock(redis: Redis, prefix: string, { ttlMs = TTL_MS } = {}): PullLock {
  return {
    async acquire(sourceId) {
      const key = pullLockKey(prefix, sourceId);
      const token = randomUUID();
      if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return undefined;
      let renewedAt = Date.now();
      let lost = false;
      const timer = setInterval(() => {
        const at = Date.now();
        redis.eval(RENEW, 1, key, token, String(ttlMs)).then(
          (renewed) => {
            if (renewed === 1) renewedAt = at;
            else lost = true;
          },
          // Redis unreachable: try again next tick; `held` turns false once the TTL has passed unrenewed.
          () => {},
        );
      }, ttlMs / 3);
      timer.unref();
      return {
        held: () => !lost && Date.now() - renewedAt < ttlMs,
        async release() {
          clearInterval(timer);
          lost = true;
          await redis.eval(RELEASE, 1, key, token).catch(() => {});
        },
      };
    },
  };
}
