import { UnrecoverableError } from 'bullmq';
import type { Application } from '../../application/application.ts';
import { lostAccess, type TrackerEvents, unlinkMissingIssues } from '../../application/tracker-events.ts';
import type { Config } from '../../config/load.ts';
import type { Tracker } from '../../connectors/tracker.ts';
import type { Trackers } from '../../connectors/tracker-registry.ts';
import type { Logger } from '../../log.ts';
import type { JobPayload } from '../../queue/catalog.ts';
import type { Store } from '../../store/store.ts';

/** What sync_cursors holds for one tracker: where the change read resumes, and when the last sweep ran. */
interface ReconcileCursor {
  since?: string | undefined;
  sweptAt?: string | undefined;
}

function parseReconcileCursor(raw: string | undefined): ReconcileCursor {
  if (!raw) return {};
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    const iso = (v: unknown) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : undefined);
    return { since: iso(value['since']), sweptAt: iso(value['sweptAt']) };
  } catch {
    return {};
  }
}

/**
 * Reconcile one tracker: read the linked issues changed since the cursor and apply them like webhooks (cause
 * `reconcile`), saving the cursor after each page; then, once per sweep interval, read every linked issue and
 * unlink those the tracker no longer has (Jira's search never returns a deleted issue, so a dropped
 * `jira:issue_deleted` is only seen this way; each missing one is confirmed with a direct read first).
 */
export function createTrackerReconcileJob({
  store,
  application,
  trackers,
  sync,
  config,
  log,
  now = () => Date.now(),
}: {
  store: Store;
  application: Application;
  trackers: Trackers;
  sync: TrackerEvents;
  config: Pick<Config, 'reconcile'>;
  log: Logger;
  now?: () => number;
}) {
  return async ({ kind, site }: JobPayload<'tracker-reconcile'>) => {
    const tracker = trackers.get(kind, site);
    if (!tracker) throw new UnrecoverableError(`no ${kind} tracker "${site}" is configured`);
    const cursor = parseReconcileCursor(await store.status.cursor(kind, site));
    const save = () => store.status.saveCursor(kind, site, JSON.stringify(cursor));
    const ids = await store.status.linkedIssueIds(kind, site);
    const counts = { read: 0, deleted: 0, unlinked: 0 };

    for await (const page of tracker.changedSince(cursor.since, ids)) {
      counts.read += page.issues.length;
      await sync.applyEvents(
        tracker,
        page.issues.map((state) => ({ type: 'issue-changed', state })),
        'reconcile',
      );
      for (const issueId of page.deletedIssueIds ?? []) {
        if (await application.links.unlinkIssue(kind, site, issueId, 'reconcile')) counts.deleted++;
      }
      cursor.since = page.cursor;
      await save();
    }

    const sweptAt = cursor.sweptAt ? Date.parse(cursor.sweptAt) : undefined;
    if (sweptAt === undefined || now() - sweptAt >= config.reconcile.trackerSweepSeconds * 1000) {
      const startedAt = new Date(now()).toISOString();
      const swept = await sweepLinkedIssues({ application, sync }, tracker, ids);
      counts.unlinked = swept.unlinked;
      cursor.sweptAt = startedAt;
      await save();
      // Saved first: the next sweep waits its interval rather than re-reading every issue on each run meanwhile.
      if (swept.hidden.length > 0) throw lostAccess(tracker, swept.hidden);
    }
    if (counts.read + counts.deleted + counts.unlinked > 0) {
      log.info({ tracker: kind, site, linked: ids.length, ...counts }, 'tracker reconciled');
    }
    return counts;
  };
}

/**
 * Reads every linked issue: applies what changed and unlinks those the tracker no longer has; returns how many were
 * unlinked and the projects or teams we can no longer see.
 */
async function sweepLinkedIssues(
  { application, sync }: { application: Application; sync: TrackerEvents },
  tracker: Tracker,
  ids: readonly string[],
): Promise<{ unlinked: number; hidden: string[] }> {
  const seen = new Set<string>();
  let unlinked = 0;
  const missing: string[] = [];
  for await (const page of tracker.changedSince(undefined, ids)) {
    for (const state of page.issues) seen.add(state.issueId);
    await sync.applyEvents(
      tracker,
      page.issues.map((state) => ({ type: 'issue-changed', state })),
      'reconcile',
    );
    for (const issueId of page.deletedIssueIds ?? []) {
      seen.add(issueId);
      if (await application.links.unlinkIssue(tracker.kind, tracker.site, issueId, 'reconcile')) unlinked++;
    }
  }
  for (const issueId of ids.filter((id) => !seen.has(id))) {
    if (!(await tracker.getIssue(issueId))) missing.push(issueId);
  }
  const gone = await unlinkMissingIssues(application, tracker, missing, 'reconcile');
  return { unlinked: unlinked + gone.unlinked, hidden: gone.hidden };
}
