import type { Redis } from 'ioredis';
import type { TrackerKind } from '../domain/tracker.ts';

/**
 * Whether each tracker accepts our credentials, as the workers last found out: a 401/403 marks it unhealthy (its
 * queue is held meanwhile), the next job that succeeds on its queue marks it healthy again. Kept in Redis so the
 * API process's /readyz and metrics see what the worker processes saw; the mark expires on its own if no job runs
 * to confirm it, so a fixed token is not reported broken forever.
 */

export interface TrackerHealth {
  kind: TrackerKind;
  site: string;
  healthy: boolean;
  reason?: string | undefined;
  since?: string | undefined;
}

export function createTrackerHealth(redis: Redis, prefix: string, { ttlMs = 10 * 60_000 } = {}) {
  const key = (kind: TrackerKind, site: string) => `${prefix}:tracker-health:${kind}:${site}`;
  return {
    async unhealthy(kind: TrackerKind, site: string, reason: string): Promise<void> {
      const value = JSON.stringify({ reason: reason.slice(0, 500), since: new Date().toISOString() });
      await redis.set(key(kind, site), value, 'PX', ttlMs);
    },

    async healthy(kind: TrackerKind, site: string): Promise<void> {
      await redis.del(key(kind, site));
    },

    async read(sites: ReadonlyArray<{ kind: TrackerKind; site: string }>): Promise<TrackerHealth[]> {
      if (sites.length === 0) return [];
      const values = await redis.mget(...sites.map((s) => key(s.kind, s.site)));
      return sites.map(({ kind, site }, i) => {
        const s = { kind, site };
        const raw = values[i];
        if (!raw) return { ...s, healthy: true };
        try {
          const { reason, since } = JSON.parse(raw) as { reason?: string; since?: string };
          return { ...s, healthy: false, reason, since };
        } catch {
          return { ...s, healthy: false, reason: 'unreadable health record' };
        }
      });
    },
  };
}

export type TrackerHealthStore = ReturnType<typeof createTrackerHealth>;
