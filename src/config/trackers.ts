import { jiraSpec } from '../connectors/jira/spec.ts';
import { linearSpec } from '../connectors/linear/spec.ts';
import type { BacklogSelection, PushTarget, TrackerKind } from '../domain/tracker.ts';
import { type RoutingConfig, sandboxRouting } from '../rules/route.ts';
import { defaultStatusMap, type StatusMapConfig } from '../rules/status-map.ts';
import type { Env } from './env.schema.ts';
import type { FileConfig } from './file.schema.ts';
import { toPushTarget } from './trackers.schema.ts';

interface JiraSite {
  site: string;
  host: string;
  email: string;
  apiToken: string;
  webhookSecret: string | undefined;
  rateLimit: { max: number; perSeconds: number };
  customFields: {
    score?: string | undefined;
    requestCount?: string | undefined;
    revenue?: string | undefined;
  };
}

export interface LinearWorkspace {
  workspace: string;
  apiKey: string;
  apiUrl: string | undefined;
  webhookSecret: string | undefined;
  rateLimit: { max: number; perSeconds: number };
}

export interface TrackerConfig {
  jira: JiraSite[];
  linear: LinearWorkspace[];
  /** Backlog import: which open issues of which tracker become features, and how often it runs. */
  backlog: {
    intervalSeconds: number;
    selections: Array<{ kind: TrackerKind; site: string; selection: BacklogSelection }>;
  };
  /** Where features go; undefined only when no tracker is configured outside sandbox mode. */
  routing: RoutingConfig | undefined;
  statusMap: StatusMapConfig;
}

/** The site the single-site variables (JIRA_HOST…, LINEAR_API_KEY) configure. */
const DEFAULT_SITE = 'default';

/**
 * Puts the trackers together from the environment (one Jira site and one Linear workspace named `default`) and the
 * YAML `trackers:` list (more sites, each naming the variables that hold its secrets), and checks that routing
 * only points at configured sites. Returns every problem found, one line each.
 */
export function resolveTrackers(
  e: Env,
  file: Pick<FileConfig, 'trackers' | 'routing' | 'statusMap' | 'backlog'>,
  env: Record<string, string | undefined>,
): { config: TrackerConfig; sandbox: boolean; problems: string[] } {
  const problems: string[] = [];
  const secret = (name: string | undefined, where: string): string | undefined => {
    if (!name) return undefined;
    const value = env[name]?.trim();
    if (!value) problems.push(`CONFIG_FILE ${where}: environment variable ${name} is not set`);
    return value || undefined;
  };
  const jira = jiraSites(e, file, secret);
  const linear = linearWorkspaces(e, file, secret);
  problems.push(...sitesConfiguredTwice(jira, linear));

  const isProduction = e.NODE_ENV === 'production';
  const hasTracker = jira.length + linear.length > 0;
  if (isProduction && !hasTracker) {
    problems.push(
      'JIRA_HOST/LINEAR_API_KEY: production needs at least one tracker (Jira: JIRA_HOST, JIRA_EMAIL, JIRA_API_TOKEN; or LINEAR_API_KEY; or trackers: in CONFIG_FILE)',
    );
  }
  const sandbox = !hasTracker && !isProduction;
  let routing: RoutingConfig | undefined;
  if (sandbox) routing = sandboxRouting();
  else if (hasTracker) routing = resolveRouting(file, jira, linear, problems);
  const selections = backlogSelections(file, jira, linear, problems);
  return {
    config: {
      jira,
      linear,
      routing,
      statusMap: statusMapOf(file),
      backlog: { intervalSeconds: file.backlog.intervalSeconds, selections },
    },
    sandbox,
    problems,
  };
}

type Secret = (name: string | undefined, where: string) => string | undefined;

/** The `default` site of the JIRA_* variables, then the YAML's sites. */
function jiraSites(e: Env, file: Pick<FileConfig, 'trackers'>, secret: Secret): JiraSite[] {
  const jira: JiraSite[] = [];
  if (e.JIRA_HOST && e.JIRA_EMAIL && e.JIRA_API_TOKEN) {
    jira.push({
      site: DEFAULT_SITE,
      host: e.JIRA_HOST,
      email: e.JIRA_EMAIL,
      apiToken: e.JIRA_API_TOKEN,
      webhookSecret: e.JIRA_WEBHOOK_SECRET,
      rateLimit: { ...jiraSpec.rateLimit },
      customFields: {},
    });
  }
  file.trackers.jira.forEach((s, i) => {
    const at = `trackers.jira[${i}]`;
    const apiToken = secret(s.apiTokenEnv, `${at}.apiTokenEnv`) ?? '';
    jira.push({ ...s, apiToken, webhookSecret: secret(s.webhookSecretEnv, `${at}.webhookSecretEnv`) });
  });
  return jira;
}

/** The `default` workspace of LINEAR_API_KEY, then the YAML's workspaces. */
function linearWorkspaces(e: Env, file: Pick<FileConfig, 'trackers'>, secret: Secret): LinearWorkspace[] {
  const linear: LinearWorkspace[] = [];
  if (e.LINEAR_API_KEY) {
    linear.push({
      workspace: DEFAULT_SITE,
      apiKey: e.LINEAR_API_KEY,
      apiUrl: e.LINEAR_API_URL,
      webhookSecret: e.LINEAR_WEBHOOK_SECRET,
      rateLimit: { ...linearSpec.rateLimit },
    });
  }
  file.trackers.linear.forEach((w, i) => {
    const at = `trackers.linear[${i}]`;
    const apiKey = secret(w.apiKeyEnv, `${at}.apiKeyEnv`) ?? '';
    linear.push({
      ...w,
      apiKey,
      apiUrl: w.apiUrl,
      webhookSecret: secret(w.webhookSecretEnv, `${at}.webhookSecretEnv`),
    });
  });
  return linear;
}

function sitesConfiguredTwice(jira: JiraSite[], linear: LinearWorkspace[]): string[] {
  const problems: string[] = [];
  for (const [kind, ids] of [
    ['jira', jira.map((s) => s.site)],
    ['linear', linear.map((w) => w.workspace)],
  ] as const) {
    for (const id of new Set(ids.filter((x, i) => ids.indexOf(x) !== i))) {
      problems.push(
        `CONFIG_FILE trackers.${kind}: "${id}" is configured twice${id === DEFAULT_SITE ? ` (the environment variables already configure "${DEFAULT_SITE}")` : ''}`,
      );
    }
  }
  return problems;
}

/** The YAML routing, each target checked against the configured sites; undefined without a default. */
function resolveRouting(
  file: Pick<FileConfig, 'routing'>,
  jira: JiraSite[],
  linear: LinearWorkspace[],
  problems: string[],
): RoutingConfig | undefined {
  const known = (t: PushTarget) =>
    t.kind === 'jira' ? jira.some((s) => s.site === t.site) : linear.some((w) => w.workspace === t.workspace);
  const describe = (t: PushTarget) =>
    t.kind === 'jira'
      ? `no Jira site "${t.site}" is configured (JIRA_HOST or trackers.jira)`
      : `no Linear workspace "${t.workspace}" is configured (LINEAR_API_KEY or trackers.linear)`;
  const rules = (file.routing?.rules ?? []).map((r, i) => {
    const target = toPushTarget(r.target);
    if (!known(target)) problems.push(`CONFIG_FILE routing.rules[${i}].target: ${describe(target)}`);
    return { name: r.name, when: r.when, target };
  });
  if (!file.routing?.default) {
    problems.push(
      'CONFIG_FILE routing.default: required once a tracker is configured (where features go by default)',
    );
    return undefined;
  }
  const target = toPushTarget(file.routing.default);
  if (!known(target)) problems.push(`CONFIG_FILE routing.default: ${describe(target)}`);
  return { rules, default: target };
}

/** The backlog import's selections, each naming a configured site. */
function backlogSelections(
  file: Pick<FileConfig, 'backlog'>,
  jira: JiraSite[],
  linear: LinearWorkspace[],
  problems: string[],
): TrackerConfig['backlog']['selections'] {
  const selections: TrackerConfig['backlog']['selections'] = [];
  file.backlog.jira.forEach((b, i) => {
    if (!jira.some((s) => s.site === b.site)) {
      problems.push(`CONFIG_FILE backlog.jira[${i}].site: no Jira site "${b.site}" is configured`);
    }
    selections.push({ kind: 'jira', site: b.site, selection: { kind: 'jira', jql: b.jql } });
  });
  file.backlog.linear.forEach((b, i) => {
    if (!linear.some((w) => w.workspace === b.workspace)) {
      problems.push(
        `CONFIG_FILE backlog.linear[${i}].workspace: no Linear workspace "${b.workspace}" is configured`,
      );
    }
    selections.push({
      kind: 'linear',
      site: b.workspace,
      selection: { kind: 'linear', team: b.team, labels: b.labels },
    });
  });
  return selections;
}

/** The default status map with the YAML's overrides. */
function statusMapOf(file: Pick<FileConfig, 'statusMap'>): StatusMapConfig {
  const defaults = defaultStatusMap();
  return {
    jira: {
      byCategory: { ...defaults.jira.byCategory, ...file.statusMap.jira.byCategory },
      byName: { ...defaults.jira.byName, ...file.statusMap.jira.byName },
    },
    linear: {
      byType: { ...defaults.linear.byType, ...file.statusMap.linear.byType },
      byName: { ...defaults.linear.byName, ...file.statusMap.linear.byName },
    },
  };
}
