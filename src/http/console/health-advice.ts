import type { TrackerKind } from '../../domain/tracker.ts';

/**
 * The Health page's words: what each fact means to a product owner and what to do about it. Pure: the page reads
 * the facts (health-facts.ts) and these functions turn them into sentences.
 */

export type Level = 'ok' | 'warn' | 'problem';

/** One thing the page says: how bad, in words, and (unless all is well) what to do. */
export interface Finding {
  level: Level;
  says: string;
  todo?: string | undefined;
  /** The raw reason (a provider's or driver's message), shown small under the sentence. */
  detail?: string | undefined;
}

const SANDBOX_SITE = 'sandbox';

export function trackerName(kind: TrackerKind, site: string): string {
  return kind === 'jira' ? `Jira site ${site}` : `Linear workspace ${site}`;
}

/** Where this tracker's secret is set: the single-site variable for `default`, else the config file's entry. */
function credentialTodo(kind: TrackerKind, site: string): string {
  if (site === SANDBOX_SITE)
    return 'The sandbox emulator refused the sandbox credentials: remove the `sandbox:` section from the config file (or make it match the emulator), then restart.';
  if (kind === 'jira')
    return site === 'default'
      ? 'The Jira token was refused: create a new API token for the JIRA_EMAIL account (Atlassian account settings, Security, API tokens) and set JIRA_API_TOKEN, then restart.'
      : `The Jira token of site ${site} was refused: create a new API token and set the variable named by apiTokenEnv in this site's entry under trackers.jira in the config file, then restart.`;
  return site === 'default'
    ? 'The Linear API key was refused: create a new personal API key (Linear settings, Security & access) and set LINEAR_API_KEY, then restart.'
    : `The Linear API key of workspace ${site} was refused: create a new key and set the variable named by apiKeyEnv in this workspace's entry under trackers.linear in the config file, then restart.`;
}

/** The tracker's credentials as the workers last found them; `undefined` health: the read failed. */
export function credentialFinding(
  kind: TrackerKind,
  site: string,
  health: { healthy: boolean; reason?: string | undefined } | undefined,
  readError?: string,
): Finding {
  if (!health)
    return {
      level: 'warn',
      says: 'Whether the tracker takes our credentials is not known: Redis did not answer.',
      todo: 'See Redis under Database and Redis; the answer comes back once it does.',
      detail: readError,
    };
  if (health.healthy) return { level: 'ok', says: 'Takes our credentials.' };
  return {
    level: 'problem',
    says: 'Refuses our credentials: pushes to it wait (none are lost) and its statuses are not read.',
    todo: credentialTodo(kind, site),
    detail: health.reason,
  };
}

/** A push failure's kind (ConnectorError kinds, and the store's own) in words, with what to do. */
const PUSH_ERRORS: Record<string, { says: string; todo: string; level: Level }> = {
  auth: {
    level: 'problem',
    says: 'the tracker refused our credentials',
    todo: 'Renew the credentials (see above); the pushes resume on their own.',
  },
  rate_limited: {
    level: 'warn',
    says: 'the tracker asked us to slow down',
    todo: 'Nothing: pushes resume once the tracker allows it.',
  },
  transient: {
    level: 'warn',
    says: 'the tracker did not answer, or failed on its side',
    todo: "Nothing at first: the push is retried. If it keeps failing, check the tracker's status page.",
  },
  not_found: {
    level: 'problem',
    says: 'the project, team or issue was not found',
    todo: 'Check the routing in the config file names a project or team this account can see, then push the feature again from its page.',
  },
  invalid_input: {
    level: 'problem',
    says: "the tracker refused the issue's fields",
    todo: "Check the project's required fields and the custom field ids in the config file, then push the feature again from its page.",
  },
  config: {
    level: 'problem',
    says: 'the configuration does not match the tracker',
    todo: 'Check this tracker in the config file (project, issue type, team), then push the feature again from its page.',
  },
  mark_lost: {
    level: 'problem',
    says: 'the issue no longer carries our mark (removed, or another issue has its id)',
    todo: 'Open the feature: unlink the issue, or link the right one. Until then nothing is pushed to it and its status is not read.',
  },
  internal: {
    level: 'problem',
    says: 'the push failed on our side',
    todo: "The service's log has the details (search for tracker push failed); the push is retried.",
  },
};

const UNKNOWN_PUSH_ERROR = {
  level: 'problem' as Level,
  says: 'the push failed',
  todo: 'The error below says why; push the feature again from its page once it is fixed.',
};

export function pushErrorWords(kind: string | null): { says: string; todo: string; level: Level } {
  return (kind && PUSH_ERRORS[kind]) || UNKNOWN_PUSH_ERROR;
}

export interface LinkCounts {
  failing: number;
  stopped: number;
  waiting: number;
  markLost: number;
}

const plural = (n: number, one: string, many: string) =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** The tracker's links in words: failing, stopped, waiting for a push, lost their mark. */
export function linkFindings(counts: LinkCounts, latestErrorKind: string | null | undefined): Finding[] {
  const out: Finding[] = [];
  if (counts.failing > 0) {
    const words = pushErrorWords(latestErrorKind ?? null);
    out.push({
      level: counts.stopped > 0 ? 'problem' : words.level,
      says: `${plural(counts.failing, 'issue', 'issues')} failed to push${counts.stopped > 0 ? ` (${plural(counts.stopped, 'has', 'have')} stopped until fixed)` : ''}; the latest because ${words.says}.`,
      todo: words.todo,
    });
  }
  if (counts.markLost > 0)
    out.push({
      level: 'problem',
      says: `${plural(counts.markLost, 'issue', 'issues')} no longer ${counts.markLost === 1 ? 'carries' : 'carry'} our mark: nothing is pushed to ${counts.markLost === 1 ? 'it' : 'them'} and ${counts.markLost === 1 ? 'its' : 'their'} status is not read.`,
      todo: PUSH_ERRORS['mark_lost']?.todo,
    });
  out.push(
    counts.waiting > 0
      ? {
          level: 'ok',
          says: `${plural(counts.waiting, 'push waits', 'pushes wait')} to be sent (new demand is gathered for a short while before a push).`,
        }
      : { level: 'ok', says: 'No push waits.' },
  );
  return out;
}

/** The worst level of some findings. */
export function worst(findings: ReadonlyArray<{ level: Level }>): Level {
  if (findings.some((f) => f.level === 'problem')) return 'problem';
  if (findings.some((f) => f.level === 'warn')) return 'warn';
  return 'ok';
}
