import type { Config } from '../config.ts';
import type { Emulators } from '../sandbox/emulators.ts';
import { createJiraTracker } from './jira/tracker.ts';
import { createLinearTracker } from './linear/tracker.ts';
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
}

interface Entry {
  tracker: Tracker;
  limiter: { max: number; duration: number };
  webhookSecret: string | undefined;
  /** Hosts the tracker's issue URLs are on. */
  hosts: string[];
}

const LINEAR_HOSTS = ['linear.app'];
const hostOf = (url: string) => new URL(url).host.toLowerCase();

/**
 * The configured Jira sites and Linear workspaces as Tracker objects over the real SDKs; in sandbox mode, the two
 * emulators (site `sandbox`), with the sandbox credentials.
 */
export function createTrackers(
  config: Pick<Config, 'trackers' | 'push' | 'sandboxCredentials'>,
  emulators?: Emulators,
): Trackers {
  const entries: Entry[] = [];
  const label = config.push.label;
  if (emulators) {
    const creds = config.sandboxCredentials;
    entries.push(
      {
        tracker: createJiraTracker({
          site: SANDBOX_SITE,
          host: emulators.jira.url,
          email: creds.jira.email,
          apiToken: creds.jira.apiToken,
        }),
        limiter: { max: 20, duration: 1_000 },
        webhookSecret: emulators.webhookSecret,
        hosts: [hostOf(emulators.jira.url)],
      },
      {
        tracker: createLinearTracker({
          site: SANDBOX_SITE,
          apiKey: creds.linear.apiKey,
          apiUrl: emulators.linear.apiUrl,
          label,
        }),
        limiter: { max: 20, duration: 1_000 },
        webhookSecret: emulators.webhookSecret,
        hosts: [hostOf(emulators.linear.url), hostOf(emulators.linear.apiUrl)],
      },
    );
  }
  for (const s of config.trackers.jira) {
    entries.push({
      tracker: createJiraTracker({
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
    });
  }
  for (const w of config.trackers.linear) {
    entries.push({
      tracker: createLinearTracker({ site: w.workspace, apiKey: w.apiKey, apiUrl: w.apiUrl, label }),
      limiter: { max: w.rateLimit.max, duration: w.rateLimit.perSeconds * 1_000 },
      webhookSecret: w.webhookSecret,
      hosts: LINEAR_HOSTS,
    });
  }
  return {
    get: (kind, site) => entries.find((e) => e.tracker.kind === kind && e.tracker.site === site)?.tracker,
    all: () => entries.map((e) => e.tracker),
    queues: () => entries.map((e) => ({ kind: e.tracker.kind, site: e.tracker.site, limiter: e.limiter })),
    webhookSecret: (kind, site) =>
      entries.find((e) => e.tracker.kind === kind && e.tracker.site === site)?.webhookSecret,
    forUrl: (url) => entries.filter((e) => e.hosts.includes(url.host.toLowerCase())).map((e) => e.tracker),
  };
}
