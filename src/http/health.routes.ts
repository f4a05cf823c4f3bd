import type { Redis } from 'ioredis';
import { orTimeout } from '../deadline.ts';
import type { Metrics } from '../metrics.ts';
import type { TrackerHealth } from '../queue/tracker-health.ts';
import type { IntakeSourceRow } from '../store/intake.repo.ts';
import type { RouteHandlers } from './route-table.ts';

interface HealthDeps {
  pingDatabase: () => Promise<void>;
  redis: Redis;
  metrics: Metrics;
  /** False until the process has finished starting (workers up, webhooks registered). */
  started?: () => boolean;
  /** Whether each tracker takes our credentials, as the workers last found out. */
  trackerHealth?: () => Promise<TrackerHealth[]>;
  /** Each configured intake source's state as its last pull left it. */
  sourceHealth?: () => Promise<IntakeSourceRow[]>;
  /** Each schedule the configuration wants (rescore, tracker reconcile, imports, pulls) and whether Redis has it. */
  schedules?: () => Promise<Array<{ id: string; present: boolean }>>;
  /** Live links whose issue no longer carries their mark: what the tracker says of it is not applied. */
  linksLostMark?: () => Promise<number>;
}

/** Database and Redis, each `ok` or why not (bounded: a dependency that hangs counts as unreachable). */
export function probeDependencies({
  pingDatabase,
  redis,
}: Pick<HealthDeps, 'pingDatabase' | 'redis'>): Promise<Array<[string, string]>> {
  const check = (name: string, probe: Promise<unknown>): Promise<[string, string]> =>
    orTimeout(probe, 2_000, name).then(
      () => [name, 'ok'],
      (err: Error) => [name, `unreachable: ${err.message}`],
    );
  return Promise.all([check('database', pingDatabase()), check('redis', redis.ping())]);
}

/**
 * Liveness, readiness (database and Redis, each named when it fails) and Prometheus metrics. A tracker that
 * refuses our credentials is reported (`status: "degraded"`, and under `trackers`) but does not make the process
 * unready: intake still works and pushes wait in the tracker's held queue, so taking the API out of its load
 * balancer would only lose requests. A schedule missing from Redis (a flush, a failover without persistence) is
 * degraded for the same reason: requests are still taken and triaged, only the repeating jobs wait, and the next
 * redrive run of any worker puts them back; restarting or unrouting the process would not bring them sooner.
 */
export function healthHandlers({
  pingDatabase,
  redis,
  metrics,
  started = () => true,
  trackerHealth = async () => [],
  sourceHealth = async () => [],
  schedules = async () => [],
  linksLostMark = async () => 0,
}: HealthDeps): Pick<RouteHandlers, 'healthz' | 'readyz' | 'metrics'> {
  return {
    healthz: (_input, _req, res) => {
      res.json({ status: 'ok' });
    },
    readyz: async (_input, _req, res) => {
      const checks = await probeDependencies({ pingDatabase, redis });
      // Until startup has finished (workers, webhook registration), the process is not ready either.
      if (!started()) checks.push(['startup', 'starting']);
      const failing = checks.filter(([, state]) => state !== 'ok').map(([name]) => name);
      // An unhealthy source is reported like a tracker: degraded, still ready (the API and other sources work).
      const [trackers, sources, scheduled] = failing.length
        ? [[], [], []]
        : await Promise.all([
            orTimeout(trackerHealth(), 2_000, 'redis').catch(() => [] as TrackerHealth[]),
            orTimeout(sourceHealth(), 2_000, 'database').catch(() => [] as IntakeSourceRow[]),
            orTimeout(schedules(), 2_000, 'redis').catch(() => [] as Array<{ id: string; present: boolean }>),
          ]);
      // A link whose issue lost its mark needs a person (unlink it, or link the right issue); the rest works.
      const lostMark = failing.length
        ? 0
        : await orTimeout(linksLostMark(), 2_000, 'database').catch(() => 0);
      const degraded =
        trackers.some((t) => !t.healthy) ||
        sources.some((s) => !s.healthy) ||
        scheduled.some((s) => !s.present) ||
        lostMark > 0;
      const body = {
        status: failing.length ? 'unavailable' : degraded ? 'degraded' : 'ok',
        checks: Object.fromEntries(checks),
        ...(trackers.length > 0
          ? {
              trackers: Object.fromEntries(
                trackers.map((t) => [`${t.kind}/${t.site}`, t.healthy ? 'ok' : `unhealthy: ${t.reason}`]),
              ),
            }
          : {}),
        ...(sources.length > 0
          ? {
              sources: Object.fromEntries(
                sources.map((s) => [s.id, s.healthy ? 'ok' : `unhealthy: ${s.lastError ?? 'unknown'}`]),
              ),
            }
          : {}),
        ...(scheduled.length > 0
          ? { schedules: Object.fromEntries(scheduled.map((s) => [s.id, s.present ? 'ok' : 'missing'])) }
          : {}),
        ...(lostMark > 0 ? { links: { lostMark } } : {}),
      };
      if (!failing.length) return void res.json(body);
      res
        .status(503)
        .type('application/problem+json')
        .send(
          JSON.stringify({
            type: 'https://suggested-sync.dev/problems/not-ready',
            title: 'Not ready',
            status: 503,
            detail: failing.includes('startup') ? 'still starting' : `not reachable: ${failing.join(', ')}`,
            checks: body.checks,
          }),
        );
    },
    metrics: async (_input, _req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  };
}
