import { orTimeout } from '../../deadline.ts';
import type { TrackerKind } from '../../domain/tracker.ts';
import type { TrackerHealth } from '../../queue/tracker-health.ts';
import {
  type FailingLink,
  latestFailingLinks,
  type TrackerLinkCounts,
  trackerLinkCounts,
} from '../../store/console-health.repo.ts';
import type { IntakeSourceRow } from '../../store/intake.repo.ts';
import type { AppDeps } from '../app.ts';
import { probeDependencies } from '../health.routes.ts';
import type { QueueCounts } from './health-advice-runtime.ts';

/**
 * What the Health page reads: each thing once, all at the same time, each bounded. A read that fails or hangs
 * comes back as its reason (shown as a problem on the page), never as an exception.
 */

const READ_MS = 2_000;
/** Failing links shown per tracker (the newest). */
export const FAILING_SHOWN = 5;

export type Read<T> = { ok: true; value: T } | { ok: false; error: string };

/** The driver's own message rather than a query builder's wrapper (which quotes the whole query). */
function reasonOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const message = cause instanceof Error ? cause.message : (err as Error).message;
  return String(message ?? err).slice(0, 300);
}

function read<T>(what: string, run: () => Promise<T>): Promise<Read<T>> {
  return orTimeout(Promise.resolve().then(run), READ_MS, what).then(
    (value) => ({ ok: true as const, value }),
    (err: unknown) => ({ ok: false as const, error: reasonOf(err) }),
  );
}

export interface HealthFacts {
  now: Date;
  dependencies: Array<[string, string]>;
  trackers: Array<{ kind: TrackerKind; site: string }>;
  trackerHealth: Read<TrackerHealth[] | undefined>;
  linkCounts: Read<TrackerLinkCounts[]>;
  failingLinks: Read<FailingLink[]>;
  sources: Array<{ id: string; kind: string; everySeconds: number; credentialVariables: string[] }>;
  intake: Read<IntakeSourceRow[]>;
  queues: Array<{ name: string; counts: Read<QueueCounts> }>;
  schedules: Read<Array<{ id: string; present: boolean }> | undefined>;
}

/** The environment variables a source's pull credentials are read from (webhook and reply secrets left out). */
function credentialVariables(config: Record<string, unknown> | undefined): string[] {
  if (!config) return [];
  return Object.entries(config)
    .filter(([key]) => key.endsWith('Env') && !/webhook|signing|smtp/i.test(key))
    .flatMap(([, value]) => (typeof value === 'string' ? [value] : []));
}

async function queueCounts(deps: AppDeps, name: string): Promise<QueueCounts> {
  const c = await deps.queues
    .queue(name)
    .getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
  return {
    waiting: (c['waiting'] ?? 0) + (c['prioritized'] ?? 0),
    active: c['active'] ?? 0,
    delayed: c['delayed'] ?? 0,
    failed: c['failed'] ?? 0,
  };
}

export async function readHealthFacts(deps: AppDeps): Promise<HealthFacts> {
  const { store, redis, queues, trackers, sources } = deps;
  const configured = sources?.all() ?? [];
  const [dependencies, trackerHealth, linkCounts, failingLinks, intake, counts, schedules] =
    await Promise.all([
      probeDependencies({ pingDatabase: () => store.ping(), redis }),
      read('Redis', async () => deps.trackerHealth?.()),
      read('the database', () => trackerLinkCounts(store.db)),
      read('the database', () => latestFailingLinks(store.db, FAILING_SHOWN)),
      read('the database', () => store.intake.list()),
      Promise.all(queues.names.map((name) => read('Redis', () => queueCounts(deps, name)))),
      read('Redis', async () => deps.schedules?.()),
    ]);
  return {
    now: new Date(),
    dependencies,
    trackers: trackers.queues().map(({ kind, site }) => ({ kind, site })),
    trackerHealth,
    linkCounts,
    failingLinks,
    sources: configured.map((s) => {
      const config = sources?.config(s.id);
      return {
        id: s.id,
        kind: s.kind,
        everySeconds: config?.schedule.everySeconds ?? 300,
        credentialVariables: credentialVariables(config),
      };
    }),
    intake,
    queues: queues.names.map((name, i) => ({
      name,
      counts: counts[i] ?? { ok: false, error: 'not read' },
    })),
    schedules,
  };
}
