import type { Application } from '../../application/application.ts';
import { lostAccess, unlinkMissingIssues } from '../../application/tracker-events.ts';
import { isConnectorError } from '../../connectors/errors.ts';
import type { Tracker } from '../../connectors/tracker.ts';
import { errorForLog, type Logger } from '../../log.ts';
import type { TrackerLink } from '../../store/links.repo.ts';
import type { Store } from '../../store/store.ts';

/** What settling a failed push needs. */
interface PushFailureDeps {
  store: Store;
  application: Application;
  log: Logger;
}

/**
 * A push that threw: recorded on the link, then thrown again. An issue deleted in the tracker unlinks instead, as its
 * delete webhook would have; unless its project or team is what we can no longer see (then every issue there reads
 * as gone): the link is kept and the push fails as auth.
 */
export async function settlePushFailure(
  deps: PushFailureDeps,
  link: TrackerLink,
  tracker: Tracker,
  caught: unknown,
): Promise<{ unlinked: string | null }> {
  const { store, application, log } = deps;
  const linkId = link.id;
  let err = caught;
  if (isConnectorError(err) && err.kind === 'not_found' && link.issueId) {
    // The visibility check can fail too (429, 5xx): then that error is recorded and decides, as any other.
    let gone: { unlinked: number; hidden: string[] } | undefined;
    try {
      gone = await unlinkMissingIssues(application, tracker, [link.issueId], 'unlink');
    } catch (checkFailed) {
      err = checkFailed;
    }
    if (gone?.hidden.length === 0) {
      log.info({ linkId, issueKey: link.issueKey }, 'tracker issue is gone; link unlinked');
      return { unlinked: link.issueKey };
    }
    if (gone) err = lostAccess(tracker, gone.hidden);
  }
  if (isConnectorError(err)) {
    const stops = err.kind === 'invalid_input' || err.kind === 'config' || err.kind === 'not_found';
    await store.links.recordError(link.id, err.kind, err.message, { failed: stops });
  } else {
    // Not the tracker's doing (our database refused a write, a bug): said on the link and in the log, not
    // only in the job's failure, so the API and /readyz readers see why this issue stopped getting pushes.
    // The detail (a failed query's SQL and parameters) stays in the log; the API shows a fixed sentence.
    const error = errorForLog(err);
    log.warn({ linkId, featureId: link.featureId, error }, 'tracker push failed');
    await store.links
      .recordError(link.id, 'internal', internalPushError(error), { failed: false })
      .catch(() => {});
  }
  throw err;
}

/**
 * What the link shows of a push that failed on our side: a fixed sentence, with the database's error code and
 * constraint when there are any (a Drizzle error's message is the failed query, SQL and parameters included).
 */
function internalPushError(error: Record<string, unknown>): string {
  const code = typeof error['code'] === 'string' ? error['code'] : undefined;
  const constraint = typeof error['constraint'] === 'string' ? error['constraint'] : undefined;
  const detail = [code && `code ${code}`, constraint && `constraint ${constraint}`]
    .filter(Boolean)
    .join(', ');
  return `internal error while recording the push; see the log${detail ? ` (${detail})` : ''}`;
}
