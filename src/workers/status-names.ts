import type { Config } from '../config/load.ts';
import type { Trackers } from '../connectors/tracker-registry.ts';
import { errorForLog, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';

/**
 * Status-map overrides naming a status the tracker does not have (renamed, deleted) silently stop mapping: say so
 * at start, in the log and `suggested_sync_status_map_unknown_names` (doctor says it too).
 */
export async function checkStatusNames(trackers: Trackers, config: Config, metrics: Metrics, log: Logger) {
  for (const tracker of trackers.all()) {
    const names = Object.keys(config.trackers.statusMap[tracker.kind].byName);
    if (names.length === 0) continue;
    try {
      const have = new Set(await tracker.existingStatusNames(names));
      const missing = names.filter((n) => !have.has(n));
      metrics.unknownStatusNames.set({ tracker: tracker.kind, site: tracker.site }, missing.length);
      if (missing.length > 0) {
        log.warn(
          { tracker: tracker.kind, site: tracker.site, names: missing },
          'statusMap names statuses this tracker does not have; they map nothing',
        );
      }
    } catch (err) {
      log.warn(
        { tracker: tracker.kind, site: tracker.site, error: errorForLog(err) },
        'cannot check status names',
      );
    }
  }
}
