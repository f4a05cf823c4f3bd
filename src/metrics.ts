import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per process (injected, never the global default), holding every metric the service exports. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'suggested_sync_' });
  return {
    registry,
    ...intakeMetrics(registry),
    ...jobMetrics(registry),
    ...trackerMetrics(registry),
    ...sourceMetrics(registry),
    ...notificationMetrics(registry),
    ...redriveMetrics(registry),
    /**
     * Gauges read on scrape from the database and Redis. When one is unreachable its gauges are left out and
     * `suggested_sync_up{dependency}` says 0, so /metrics keeps answering during the outage it should show.
     * prom-client collects all metrics of a scrape concurrently, so the three gauges share one read (kept 1 s).
     */
    collected(sources: CollectedSources) {
      registerCollectedGauges(registry, sources);
    },
  };
}

/** HTTP requests and what intake accepted. */
function intakeMetrics(registry: Registry) {
  return {
    httpDuration: new Histogram({
      name: 'suggested_sync_http_request_duration_seconds',
      help: 'HTTP request duration by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    requestsAccepted: new Counter({
      name: 'suggested_sync_requests_accepted_total',
      help: 'Requests accepted by intake, by source and outcome (created or replayed)',
      labelNames: ['source', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

/** Jobs run by this process. */
function jobMetrics(registry: Registry) {
  return {
    jobsCompleted: new Counter({
      name: 'suggested_sync_jobs_completed_total',
      help: 'Jobs completed by this process, by queue and job name',
      labelNames: ['queue', 'name'] as const,
      registers: [registry],
    }),
    jobsFailed: new Counter({
      name: 'suggested_sync_jobs_failed_total',
      help: 'Job attempts that failed in this process, by queue, job name and whether retries remain',
      labelNames: ['queue', 'name', 'final'] as const,
      registers: [registry],
    }),
  };
}

/** Trackers: status names, webhooks and the status changes they cause. */
function trackerMetrics(registry: Registry) {
  return {
    unknownStatusNames: new Gauge({
      name: 'suggested_sync_status_map_unknown_names',
      help: 'Status names the status map overrides that the tracker does not have (renamed or deleted), per tracker',
      labelNames: ['tracker', 'site'] as const,
      registers: [registry],
    }),
    webhooksReceived: new Counter({
      name: 'suggested_sync_webhooks_received_total',
      help: 'Tracker webhook deliveries, by provider and outcome (accepted, duplicate, ignored, rejected)',
      labelNames: ['provider', 'outcome'] as const,
      registers: [registry],
    }),
    statusChanges: new Counter({
      name: 'suggested_sync_feature_status_changes_total',
      help: 'Feature status changes, by cause (tracker, reconcile, merge, unlink, api) and new status',
      labelNames: ['cause', 'status'] as const,
      registers: [registry],
    }),
  };
}

/** Intake sources: items brought, failed pulls, credentials. */
function sourceMetrics(registry: Registry) {
  return {
    sourceItems: new Counter({
      name: 'suggested_sync_source_items_total',
      help: 'Items intake sources brought (pulls and webhooks), by source id and outcome (created, replayed, rejected)',
      labelNames: ['source', 'outcome'] as const,
      registers: [registry],
    }),
    sourcePullFailures: new Counter({
      name: 'suggested_sync_source_pull_failures_total',
      help: 'Failed intake source pulls, by source id and error kind (auth, transient, rate_limited, ...)',
      labelNames: ['source', 'kind'] as const,
      registers: [registry],
    }),
    sourceHealthy: new Gauge({
      name: 'suggested_sync_source_healthy',
      help: 'Whether each intake source took our credentials at its last pull (1) or refused them (0)',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
  };
}

/** Status notifications: written, sent, suppressed, failed, cancelled. */
function notificationMetrics(registry: Registry) {
  return {
    notificationsCreated: new Counter({
      name: 'suggested_sync_notifications_created_total',
      help: 'Notification outbox rows written by status changes, by channel (email, source)',
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    notificationsSent: new Counter({
      name: 'suggested_sync_notifications_sent_total',
      help: 'Notifications delivered (accepted by the SMTP server or the source), by channel and kind (single, digest)',
      labelNames: ['channel', 'kind'] as const,
      registers: [registry],
    }),
    notificationsSuppressed: new Counter({
      name: 'suggested_sync_notifications_suppressed_total',
      help: 'Notifications not sent because of the requester, by reason (unsubscribed, erased, address_suppressed)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    notificationsFailed: new Counter({
      name: 'suggested_sync_notifications_failed_total',
      help: 'Notifications that failed for good (attempts: transient failures, retried), by reason kind',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    notificationsCancelled: new Counter({
      name: 'suggested_sync_notifications_cancelled_total',
      help: 'Pending notifications cancelled by a later change within the coalescing window (superseded or undone)',
      registers: [registry],
    }),
  };
}

/** The redrive: work put back on the queues from the database. */
function redriveMetrics(registry: Registry) {
  return {
    reconcileEnqueued: new Counter({
      name: 'suggested_sync_reconcile_enqueued_total',
      help: 'Jobs the redrive re-enqueued from pending database state, by queue',
      labelNames: ['queue'] as const,
      registers: [registry],
    }),
  };
}

/** Where the scrape-time gauges read from. */
interface CollectedSources {
  pendingWork: () => Promise<Array<{ kind: string; count: number }>>;
  queueDepths: () => Promise<Array<{ queue: string; state: string; count: number }>>;
  trackerHealth?: () => Promise<Array<{ kind: string; site: string; healthy: boolean }>>;
}

/** The scrape-time gauges (see `collected`), registered on `registry`. */
function registerCollectedGauges(
  registry: Registry,
  { pendingWork, queueDepths, trackerHealth = async () => [] }: CollectedSources,
): void {
  let cached:
    | {
        at: number;
        read: Promise<
          [
            PromiseSettledResult<Awaited<ReturnType<typeof pendingWork>>>,
            PromiseSettledResult<Awaited<ReturnType<typeof queueDepths>>>,
          ]
        >;
      }
    | undefined;
  const snapshot = () => {
    if (!cached || Date.now() - cached.at > 1_000) {
      cached = { at: Date.now(), read: Promise.allSettled([pendingWork(), queueDepths()]) };
    }
    return cached.read;
  };
  new Gauge({
    name: 'suggested_sync_up',
    help: 'Whether the last scrape could read from each dependency (1) or not (0)',
    labelNames: ['dependency'] as const,
    registers: [registry],
    async collect() {
      const [pending, depths] = await snapshot();
      this.set({ dependency: 'database' }, pending.status === 'fulfilled' ? 1 : 0);
      this.set({ dependency: 'redis' }, depths.status === 'fulfilled' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'suggested_sync_pending_work',
    help: 'Pending work recorded in the database, by kind (untriaged requests, ...)',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const [pending] = await snapshot();
      if (pending.status === 'fulfilled')
        for (const { kind, count } of pending.value) this.set({ kind }, count);
    },
  });
  new Gauge({
    name: 'suggested_sync_tracker_healthy',
    help: 'Whether each tracker takes our credentials (1) or refused them and its queue is held (0)',
    labelNames: ['tracker', 'site'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const health = await trackerHealth().catch(() => []);
      for (const t of health) this.set({ tracker: t.kind, site: t.site }, t.healthy ? 1 : 0);
    },
  });
  new Gauge({
    name: 'suggested_sync_queue_jobs',
    help: 'Jobs in each queue by state (waiting, active, delayed, failed, prioritized, waiting-children)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const [, depths] = await snapshot();
      if (depths.status === 'fulfilled') {
        for (const { queue, state, count } of depths.value) this.set({ queue, state }, count);
      }
    },
  });
}

export type Metrics = ReturnType<typeof createMetrics>;
