import type { Config } from '../config/load.ts';
import { normalizeHost, parseIssueReference } from './jira/map.ts';
import type { createJiraTracker } from './jira/tracker.ts';
import { issueLookupKey } from './linear/map.ts';
import { linearSpec } from './linear/spec.ts';
import type { createLinearTracker } from './linear/tracker.ts';
import type { SandboxEmulators } from './sandbox-emulators.ts';
import type { Tracker } from './tracker.ts';

/** Site id the sandbox routing uses for both emulators. */
export const SANDBOX_SITE = 'sandbox';

export interface Trackers {
  get(kind: 'jira' | 'linear', site: string): Tracker | undefined;
  all(): Tracker[];
  /** One entry per tracker queue, with the limiter matching that tracker's rate limit. */
  queues(): Array<{ kind: 'jira' | 'linear'; site: string; limiter: { max: number; duration: number } }>;
  /** The secret this tracker signs its webhooks with; undefined when none is configured (deliveries get 401). */
  webhookSecret(kind: 'jira' | 'linear', site: string): string | undefined;
  /** The trackers an issue URL can belong to, by its host (a Jira site's host; Linear's app or API host). */
  forUrl(url: URL): Tracker[];
  /**
   * The key or id an issue reference names on this tracker, read without asking it: Jira, a key (`ABC-12`), a
   * numeric id or a `/browse/ABC-12` URL on the site; Linear, an identifier (`ENG-12`), a UUID or a
   * `/<workspace>/issue/ENG-12` URL on its app host. Otherwise `expected` says what would do.
   */
  issueReference(
    tracker: Tracker,
    input: string,
  ): { ok: true; ref: string } | { ok: false; expected: string };
}

interface Entry {
  tracker: Tracker;
  limiter: { max: number; duration: number };
  webhookSecret: string | undefined;
  /** Hosts the tracker's issue URLs are on. */
  hosts: string[];
  /** The issue reference's key or id (pure), and what it accepts in words. */
  reference: { parse: (input: string) => string | undefined; expected: string };
}

const LINEAR_HOSTS: string[] = [...linearSpec.appHosts];
const hostOf = (url: string) => new URL(url).host.toLowerCase();

const jiraReference = (host: string): Entry['reference'] => ({
  parse: (input) => parseIssueReference(input, host),
  expected: `a Jira issue key (ABC-12), a numeric issue id, or an issue URL ${normalizeHost(host)}/browse/ABC-12`,
});
const linearReference = (hosts: string[]): Entry['reference'] => ({
  parse: (input) => issueLookupKey(input, hosts),
  expected: `a Linear issue identifier (ENG-12), an issue UUID, or an issue URL https://${hosts[0] ?? 'linear.app'}/<workspace>/issue/ENG-12`,
});

type TrackerConfig = Pick<Config, 'trackers' | 'push' | 'sandboxCredentials'>;
type JiraFactory = typeof createJiraTracker;
type LinearFactory = typeof createLinearTracker;

/** The two emulators (site `sandbox`), with the sandbox credentials. */
function sandboxEntries(
  config: TrackerConfig,
  emulators: SandboxEmulators,
  createJira: JiraFactory,
  createLinear: LinearFactory,
): Entry[] {
  const creds = config.sandboxCredentials;
  return [
    {
      tracker: createJira({
        site: SANDBOX_SITE,
        host: emulators.jira.url,
        email: creds.jira.email,
        apiToken: creds.jira.apiToken,
      }),
      limiter: { max: 20, duration: 1_000 },
      webhookSecret: emulators.webhookSecret,
      hosts: [hostOf(emulators.jira.url)],
      reference: jiraReference(emulators.jira.url),
    },
    {
      tracker: createLinear({
        site: SANDBOX_SITE,
        apiKey: creds.linear.apiKey,
        apiUrl: emulators.linear.apiUrl,
        label: config.push.label,
      }),
      limiter: { max: 20, duration: 1_000 },
      webhookSecret: emulators.webhookSecret,
      hosts: [hostOf(emulators.linear.url), hostOf(emulators.linear.apiUrl)],
      reference: linearReference([hostOf(emulators.linear.url)]),
    },
  ];
}

function jiraEntries(config: TrackerConfig, createJira: JiraFactory): Entry[] {
  return config.trackers.jira.map((s) => ({
    tracker: createJira({
      site: s.site,
      host: s.host,
      email: s.email,
      apiToken: s.apiToken,
      // doctor reports configured status names the site does not have
      statusNames: Object.keys(config.trackers.statusMap.jira.byName),
    }),
    limiter: { max: s.rateLimit.max, duration: s.rateLimit.perSeconds * 1_000 },
    webhookSecret: s.webhookSecret,
    hosts: [hostOf(s.host)],
    reference: jiraReference(s.host),
  }));
}

function linearEntries(config: TrackerConfig, createLinear: LinearFactory): Entry[] {
  return config.trackers.linear.map((w) => ({
    tracker: createLinear({
      site: w.workspace,
      apiKey: w.apiKey,
      apiUrl: w.apiUrl,
      label: config.push.label,
    }),
    limiter: { max: w.rateLimit.max, duration: w.rateLimit.perSeconds * 1_000 },
    webhookSecret: w.webhookSecret,
    hosts: LINEAR_HOSTS,
    reference: linearReference(LINEAR_HOSTS),
  }));
}

/**
 * The configured Jira sites and Linear workspaces as Tracker objects over the real SDKs; in sandbox mode, the two
 * emulators (site `sandbox`), with the sandbox credentials. Each kind's connector (and its SDK, several MB of
 * memory) is loaded only when a tracker of that kind is configured.
 */
export async function createTrackers(config: TrackerConfig, emulators?: SandboxEmulators): Promise<Trackers> {
  const useJira = emulators !== undefined || config.trackers.jira.length > 0;
  const useLinear = emulators !== undefined || config.trackers.linear.length > 0;
  const [jira, linear] = await Promise.all([
    useJira ? import('./jira/tracker.ts') : undefined,
    useLinear ? import('./linear/tracker.ts') : undefined,
  ]);
  const entries: Entry[] = [
    ...(emulators && jira && linear
      ? sandboxEntries(config, emulators, jira.createJiraTracker, linear.createLinearTracker)
      : []),
    ...(jira ? jiraEntries(config, jira.createJiraTracker) : []),
    ...(linear ? linearEntries(config, linear.createLinearTracker) : []),
  ];
  return {
    get: (kind, site) => entries.find((e) => e.tracker.kind === kind && e.tracker.site === site)?.tracker,
    all: () => entries.map((e) => e.tracker),
    queues: () => entries.map((e) => ({ kind: e.tracker.kind, site: e.tracker.site, limiter: e.limiter })),
    webhookSecret: (kind, site) =>
      entries.find((e) => e.tracker.kind === kind && e.tracker.site === site)?.webhookSecret,
    forUrl: (url) => entries.filter((e) => e.hosts.includes(url.host.toLowerCase())).map((e) => e.tracker),
    issueReference(tracker, input) {
      const reference = entries.find((e) => e.tracker === tracker)?.reference;
      const ref = reference?.parse(input);
      return ref
        ? { ok: true, ref }
        : { ok: false, expected: reference?.expected ?? 'an issue key, id or URL' };
    },
  };
}
