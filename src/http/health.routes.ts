import { Router } from 'express';
import type { Redis } from 'ioredis';
import { orTimeout } from '../deadline.ts';
import type { Metrics } from '../metrics.ts';

export interface HealthDeps {
  pingDatabase: () => Promise<void>;
  redis: Redis;
  metrics: Metrics;
}

/** Liveness, readiness (database and Redis, each named when it fails) and Prometheus metrics. */
export function healthRouter({ pingDatabase, redis, metrics }: HealthDeps) {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const checks = await Promise.all([
      orTimeout(pingDatabase(), 2_000, 'database').then(
        () => ['database', 'ok'] as const,
        (err: Error) => ['database', `unreachable: ${err.message}`] as const,
      ),
      orTimeout(redis.ping(), 2_000, 'redis').then(
        () => ['redis', 'ok'] as const,
        (err: Error) => ['redis', `unreachable: ${err.message}`] as const,
      ),
    ]);
    const failing = checks.filter(([, state]) => state !== 'ok').map(([name]) => name);
    const body = { status: failing.length ? 'unavailable' : 'ok', checks: Object.fromEntries(checks) };
    if (!failing.length) return void res.json(body);
    res
      .status(503)
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: 'https://suggested-sync.dev/problems/not-ready',
          title: 'Not ready',
          status: 503,
          detail: `not reachable: ${failing.join(', ')}`,
          checks: body.checks,
        }),
      );
  });

  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return router;
}
