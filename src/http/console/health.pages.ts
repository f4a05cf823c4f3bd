import type { AppDeps } from '../app.ts';
import type { RouteHandlers } from '../route-table.ts';
import { CONSOLE_CSP, sendView } from '../views/views.ts';
import { layoutData } from './console-session.ts';
import {
  credentialFinding,
  type Finding,
  linkFindings,
  pushErrorWords,
  trackerName,
  worst,
} from './health-advice.ts';
import {
  dependencyFinding,
  duration,
  queueFinding,
  queueMeaning,
  scheduleFinding,
  scheduleMeaning,
  sourceFinding,
} from './health-advice-runtime.ts';
import { type HealthFacts, type Read, readHealthFacts } from './health-facts.ts';
import { issueWords } from './tracker-words.ts';

/**
 * The Health page: each tracker, intake source, queue and schedule, the database and Redis, in words, each
 * problem with what to do. Read on every visit (nothing cached: it is what someone opens when something is wrong).
 */

const unreadable = (what: string, error: string): Finding => ({
  level: 'warn',
  says: `Could not be read: ${what} did not answer.`,
  todo: `See ${what === 'Redis' ? 'Redis' : 'the database'} under Database and Redis.`,
  detail: error,
});

function trackerViews(facts: HealthFacts) {
  const health = facts.trackerHealth;
  const counts = facts.linkCounts;
  const failing = facts.failingLinks;
  return facts.trackers.map(({ kind, site }) => {
    const own = <T extends { kind: string; site: string }>(rows: readonly T[]) =>
      rows.filter((r) => r.kind === kind && r.site === site);
    const credential = health.ok
      ? credentialFinding(
          kind,
          site,
          health.value?.find((h) => h.kind === kind && h.site === site) ?? { healthy: true },
        )
      : credentialFinding(kind, site, undefined, health.error);
    const failures = failing.ok ? own(failing.value) : [];
    const links = counts.ok
      ? linkFindings(
          own(counts.value)[0] ?? { failing: 0, stopped: 0, waiting: 0, markLost: 0 },
          failures[0]?.errorKind,
        )
      : [unreadable('the database', counts.error)];
    const findings = [credential, ...links];
    return {
      id: `tracker-${kind}-${site}`,
      name: trackerName(kind, site),
      level: worst(findings),
      findings,
      failures: failures.map((f) => ({ ...f, words: pushErrorWords(f.errorKind).says })),
    };
  });
}

function sourceViews(facts: HealthFacts) {
  return facts.sources.map((source) => {
    const row = facts.intake.ok ? facts.intake.value.find((r) => r.id === source.id) : undefined;
    const finding = facts.intake.ok
      ? sourceFinding({ ...source, state: row }, facts.now)
      : unreadable('the database', facts.intake.error);
    return {
      ...source,
      finding,
      lastPullAt: row?.lastPullAt ?? null,
      lastSuccessAt: row?.lastSuccessAt ?? null,
    };
  });
}

function queueViews(facts: HealthFacts) {
  return facts.queues.map(({ name, counts }) => ({
    name,
    meaning: queueMeaning(name),
    counts: counts.ok ? counts.value : undefined,
    finding: counts.ok ? queueFinding(counts.value) : unreadable('Redis', counts.error),
  }));
}

function scheduleViews(schedules: Read<Array<{ id: string; present: boolean }> | undefined>) {
  if (!schedules.ok) return { rows: [], finding: unreadable('Redis', schedules.error) };
  return {
    rows: (schedules.value ?? []).map((s) => ({
      id: s.id,
      meaning: scheduleMeaning(s.id),
      finding: scheduleFinding(s.present),
    })),
    finding: undefined,
  };
}

/** Everything the template shows, and the problems listed at the top (each links to where it is explained). */
export function healthView(facts: HealthFacts) {
  const dependencies = facts.dependencies.map(([name, state]) => dependencyFinding(name, state));
  const trackers = trackerViews(facts);
  const sources = sourceViews(facts);
  const queues = queueViews(facts);
  const schedules = scheduleViews(facts.schedules);
  const attention = [
    ...dependencies.map((d) => ({ where: d.name, anchor: 'dependencies', finding: d })),
    ...trackers.flatMap((t) => t.findings.map((f) => ({ where: t.name, anchor: t.id, finding: f }))),
    ...sources.map((s) => ({ where: `Source ${s.id}`, anchor: 'sources', finding: s.finding })),
    ...queues.map((q) => ({ where: `Queue ${q.name}`, anchor: 'queues', finding: q.finding })),
    ...schedules.rows.map((s) => ({ where: `Schedule ${s.id}`, anchor: 'schedules', finding: s.finding })),
    ...(schedules.finding ? [{ where: 'Schedules', anchor: 'schedules', finding: schedules.finding }] : []),
  ].filter((a) => a.finding.level !== 'ok');
  return {
    dependencies,
    trackers,
    sources,
    queues,
    schedules,
    attention,
    level: worst(attention.map((a) => a.finding)),
  };
}

const LEVEL_WORDS = { ok: 'OK', warn: 'Attention', problem: 'Problem' } as const;

export function healthPage(deps: AppDeps): Pick<RouteHandlers, 'consoleHealth'> {
  return {
    consoleHealth: async (_input, req, res) => {
      const facts = await readHealthFacts(deps);
      sendView(
        res,
        'console/health',
        {
          layout: layoutData(req, 'health', 'Health'),
          ...healthView(facts),
          levelWords: LEVEL_WORDS,
          ago: (at: Date | null) => (at ? `${duration(facts.now.getTime() - at.getTime())} ago` : 'never'),
          iso: (at: Date | null) => at?.toISOString() ?? '',
          count: (n: number) => n.toLocaleString('en-US'),
          issueWords,
        },
        { csp: CONSOLE_CSP },
      );
    },
  };
}
