import type { Config } from '../config/load.ts';
import { createDedupeEngine, type DedupeEngine } from '../rules/dedupe/engine.ts';
import { analysisFingerprint } from '../rules/dedupe/fingerprint.ts';
import { DEFAULT_OPPOSITES, DEFAULT_SYNONYMS } from '../rules/dedupe/synonyms.ts';
import { peopleDirectory } from '../rules/people.ts';
import { routeFeature } from '../rules/route.ts';
import { type ChannelsFor, emailOnly, type NotifyPolicy } from '../store/notify-outbox.repo.ts';
import type { PushPolicy } from './push-bar.ts';
import type { StatusPolicy } from './status-change.ts';
import type { TriageDeps } from './triage.ts';

/** The policies the use cases decide by, read from the config. */

/** The similarity engine triage decides with (thresholds, synonyms), and the fingerprint of its analysis. */
export function dedupeOf(config: Pick<Config, 'dedupe'>): { engine: DedupeEngine; fingerprint: string } {
  const synonyms = [...DEFAULT_SYNONYMS, ...config.dedupe.synonyms];
  const engine = createDedupeEngine({
    synonyms,
    opposites: [...DEFAULT_OPPOSITES, ...config.dedupe.opposites],
    thresholds: {
      ...(config.dedupe.autoMerge === undefined ? {} : { autoMerge: config.dedupe.autoMerge }),
      ...(config.dedupe.review === undefined ? {} : { review: config.dedupe.review }),
    },
  });
  return { engine, fingerprint: analysisFingerprint(engine, synonyms) };
}

/**
 * When and where features are pushed. In sandbox mode only the all-in-one process has trackers (the emulators),
 * so split processes push nothing there.
 */
export function pushPolicy(config: Config, allInOne: boolean): PushPolicy | undefined {
  const routing = config.trackers.routing;
  if (!routing || (config.sandbox && !allInOne)) return undefined;
  return {
    minRequests: config.push.minRequests,
    minScore: config.push.minScore,
    holdForReviewSeconds: config.push.holdForReview,
    route: (input) => routeFeature(input, routing).target,
  };
}

/** How tracker states become feature statuses and who hears about a change; how a request finds its feature. */
export function applicationPolicies(
  config: Config,
  { dedupe, allInOne, notify }: { dedupe: DedupeEngine; allInOne: boolean; notify: NotifyPolicy | undefined },
): { status: StatusPolicy; triage: TriageDeps } {
  return {
    status: {
      statusMap: config.trackers.statusMap,
      rollup: config.push.rollup,
      scoring: config.scoring,
      dedupe,
      notify,
    },
    triage: {
      dedupe,
      identity: {
        extraFreeMailDomains: config.identity.extraFreeMailDomains,
        people: peopleDirectory(config.identity.people ?? []),
      },
      scoring: config.scoring,
      push: pushPolicy(config, allInOne),
      learning: { target: config.dedupe.precisionTarget },
    },
  };
}

/**
 * The outbox policy the fan-out writes with, or undefined with `notifications.enabled: false` (no rows are written).
 * `channelsFor` comes from the intake sources when they provide it; until then every requester hears by email only.
 */
export function notifyPolicy(
  config: Config,
  {
    channelsFor = emailOnly,
    repliesByMail,
  }: {
    channelsFor?: ChannelsFor | undefined;
    repliesByMail?: ((source: string) => boolean) | undefined;
  },
): NotifyPolicy | undefined {
  if (!config.notifications.enabled) return undefined;
  return {
    statuses: config.notifications.statuses,
    coalesceSeconds: config.notifyCoalesceSeconds,
    messageIdHost: new URL(config.publicUrl).hostname,
    digestHourUtc: config.notifications.digest.hourUtc,
    channelsFor,
    repliesByMail,
  };
}
