import { type Finding, type Level, trackerName } from './health-advice.ts';

/** The Health page's words for the intake sources, the queues, the schedules, the database and Redis. */

/** "3 minutes", "2 hours", "5 days": how long, for sentences. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const unit = (n: number, name: string) => `${n} ${name}${n === 1 ? '' : 's'}`;
  if (s < 60) return unit(s, 'second');
  if (s < 3_600) return unit(Math.round(s / 60), 'minute');
  if (s < 172_800) return unit(Math.round(s / 3_600), 'hour');
  return unit(Math.round(s / 86_400), 'day');
}

export interface SourceFacts {
  id: string;
  kind: string;
  everySeconds: number;
  /** The environment variables its credentials are read from (names only). */
  credentialVariables: string[];
  /** Its row as the last pull left it; undefined: never pulled. */
  state?:
    | {
        healthy: boolean;
        lastError: string | null;
        consecutiveFailures: number;
        lastPullAt: Date | null;
        lastSuccessAt: Date | null;
      }
    | undefined;
}

/** A source stays quiet this many intervals before the page asks whether pulls still run. */
const STALE_INTERVALS = 3;

export function sourceFinding(source: SourceFacts, now: Date): Finding {
  const { state, kind } = source;
  const every = duration(source.everySeconds * 1000);
  if (!state)
    return {
      level: 'warn',
      says: 'Not pulled yet.',
      todo: `The first pull runs when a worker starts (npm start, or npm run worker), then every ${every}.`,
    };
  if (!state.healthy) {
    const where = source.credentialVariables.length
      ? `set ${source.credentialVariables.join(' and ')}`
      : `set its credentials in the config file`;
    return {
      level: 'problem',
      says: `Refuses our credentials: nothing is pulled from this ${kind} source.`,
      todo: `Renew the ${kind} credentials and ${where}, then restart.`,
      detail: state.lastError ?? undefined,
    };
  }
  if (state.lastError)
    return {
      level: state.consecutiveFailures >= 3 ? 'problem' : 'warn',
      says: `The last ${state.consecutiveFailures > 1 ? `${state.consecutiveFailures} pulls` : 'pull'} failed; the next tries again within ${every}.`,
      todo: `If it keeps failing, check the ${kind} status page and the service's log (search for source pull failed).`,
      detail: state.lastError,
    };
  const last = state.lastSuccessAt ?? state.lastPullAt;
  if (last && now.getTime() - last.getTime() > STALE_INTERVALS * source.everySeconds * 1000)
    return {
      level: 'warn',
      says: `No pull for ${duration(now.getTime() - last.getTime())}, though one is due every ${every}.`,
      todo: 'Check that a worker is running (npm start, or npm run worker) and that its schedule is present below.',
    };
  return { level: 'ok', says: last ? `Pulled ${duration(now.getTime() - last.getTime())} ago.` : 'Pulled.' };
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

const QUEUE_MEANINGS: Record<string, string> = {
  triage: 'New requests being grouped into features, and the rescoring.',
  'tracker-events': "The trackers' webhook deliveries being applied to features.",
  intake: 'Pulls from the intake sources.',
  notify: 'Status emails to requesters.',
};

/** What a queue is for, in words. */
export function queueMeaning(name: string): string {
  const tracker = /^tracker-(jira|linear)-(.+)$/.exec(name);
  if (tracker?.[1] === 'jira' || tracker?.[1] === 'linear')
    return `Pushes, status reads and backlog imports for ${trackerName(tracker[1], tracker[2] ?? '')}.`;
  return QUEUE_MEANINGS[name] ?? 'Jobs of this service.';
}

/** Waiting jobs with none running, past this many, suggest no worker takes them. */
const STUCK_WAITING = 100;

export function queueFinding(counts: QueueCounts): Finding {
  if (counts.waiting >= STUCK_WAITING && counts.active === 0)
    return {
      level: 'warn',
      says: `${counts.waiting.toLocaleString('en-US')} jobs wait and none runs.`,
      todo: 'Check that a worker is running (npm start, or npm run worker).',
    };
  if (counts.failed > 0)
    return {
      level: 'warn',
      says: `${counts.failed.toLocaleString('en-US')} ${counts.failed === 1 ? 'job' : 'jobs'} failed every attempt (kept a while for inspection).`,
      todo: "Work still pending in the database is sent again by the redrive on its own; the service's log says why each failed (search for job failed).",
    };
  return { level: 'ok', says: counts.waiting > 0 ? 'Working through its jobs.' : 'Nothing waits.' };
}

/** A schedule's id in words. */
export function scheduleMeaning(id: string): string {
  if (id === 'rescore-features') return 'Rescoring every feature (recency, revenue, tiers).';
  const tracker = /^tracker-(reconcile|import)-(jira|linear)-(.+)$/.exec(id);
  if (tracker && (tracker[2] === 'jira' || tracker[2] === 'linear')) {
    const name = trackerName(tracker[2], tracker[3] ?? '');
    return tracker[1] === 'reconcile'
      ? `Reading the changes of ${name} (catches a missed webhook).`
      : `Importing the backlog of ${name}.`;
  }
  const source = /^source-pull-(.+)$/.exec(id);
  if (source) return `Pulling the intake source ${source[1]}.`;
  return 'A repeating job.';
}

export function scheduleFinding(present: boolean): Finding {
  return present
    ? { level: 'ok', says: 'Present.' }
    : {
        level: 'problem',
        says: 'Missing from Redis (flushed, or a failover without persistence): it does not run.',
        todo: "A worker's next redrive run puts it back; to do it now, call POST /v1/admin/reconcile with ADMIN_TOKEN, or restart a worker.",
      };
}

const DEPENDENCY_ADVICE: Record<string, { name: string; says: string; todo: string }> = {
  database: {
    name: 'Database',
    says: 'Not reachable: requests cannot be stored and pages cannot be read.',
    todo: 'Check that Postgres is up and that DATABASE_URL names it; the service reconnects on its own.',
  },
  redis: {
    name: 'Redis',
    says: 'Not reachable: no job runs (triage, pushes, emails, pulls).',
    todo: 'Start Redis or check REDIS_URL. The redrive sends the pending work once it is back.',
  },
};

/** A probe result of probeDependencies (`ok`, or why not) in words. */
export function dependencyFinding(name: string, state: string): Finding & { name: string } {
  const advice = DEPENDENCY_ADVICE[name] ?? { name, says: 'Not reachable.', todo: 'Check it is running.' };
  if (state === 'ok') return { name: advice.name, level: 'ok', says: 'Reachable.' };
  return {
    name: advice.name,
    level: 'problem' as Level,
    says: advice.says,
    todo: advice.todo,
    detail: state,
  };
}
