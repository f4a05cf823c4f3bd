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
}

/**
 * The configured Jira sites and Linear workspaces as Tracker objects over the real SDKs; in sandbox mode, the two
 * emulators (site `sandbox`), with the sandbox credentials.
 */
export function createTrackers(
  config: Pick<Config, 'trackers' | 'push' | 'sandboxCredentials'>,
  emulators?: Emulators,
): Trackers {
  const entries: Array<{ tracker: Tracker; limiter: { max: number; duration: number } }> = [];
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
      },
      {
        tracker: createLinearTracker({
          site: SANDBOX_SITE,
          apiKey: creds.linear.apiKey,
          apiUrl: emulators.linear.apiUrl,
          label,
        }),
        limiter: { max: 20, duration: 1_000 },
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
    });
  }
  for (const w of config.trackers.linear) {
    entries.push({
      tracker: createLinearTracker({ site: w.workspace, apiKey: w.apiKey, apiUrl: w.apiUrl, label }),
      limiter: { max: w.rateLimit.max, duration: w.rateLimit.perSeconds * 1_000 },
    });
  }
  return {
    get: (kind, site) => entries.find((e) => e.tracker.kind === kind && e.tracker.site === site)?.tracker,
    all: () => entries.map((e) => e.tracker),
    queues: () => entries.map((e) => ({ kind: e.tracker.kind, site: e.tracker.site, limiter: e.limiter })),
  };
}
