import { ConnectorError } from '../connectors/errors.ts';
import type { Tracker, TrackerEvent } from '../connectors/tracker.ts';
import type { IssueMarks, PushTarget, TrackerIssueState } from '../domain/tracker.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { markLostMessage } from '../store/link-marks.repo.ts';
import type { LiveLink } from '../store/status.repo.ts';
import type { StatusCause, StatusChange } from '../store/status-change.ts';
import type { Store } from '../store/store.ts';
import type { LinkState } from './link-state.ts';
import type { mergeFeatures } from './merges.ts';
import type { DropContext } from './status-change.ts';

/** A live link checked against its issue's mark: it may speak for the feature only when `own`. */
type CheckedLink =
  | { kind: 'none' }
  | { kind: 'own'; link: LiveLink }
  | { kind: 'foreign'; link: LiveLink }
  | { kind: 'gone'; link: LiveLink };

/** What applying tracker events needs: the store's link marks, the link-state and merge use cases. */
interface TrackerEventsDeps {
  store: Pick<Store, 'links'>;
  links: LinkState;
  merges: { merge: (...args: DropContext<typeof mergeFeatures>) => ReturnType<typeof mergeFeatures> };
  metrics: Metrics;
  log: Logger;
}

function changed(deps: TrackerEventsDeps, change: StatusChange | undefined, cause: StatusCause): void {
  if (!change) return;
  deps.metrics.statusChanges.inc({ cause, status: change.to });
  deps.log.info({ ...change, cause }, 'feature status changed');
}

async function markLost(
  deps: TrackerEventsDeps,
  tracker: Tracker,
  link: LiveLink,
  issueId: string,
): Promise<void> {
  const issue = link.issueKey ?? issueId;
  const news = await deps.store.links.recordMarkLost(
    link.id,
    markLostMessage({ kind: tracker.kind, site: tracker.site, issueKey: issue, issueId }, 'missing'),
  );
  if (news) {
    deps.log.warn(
      {
        linkId: link.id,
        featureId: link.featureId,
        tracker: tracker.kind,
        site: tracker.site,
        issueKey: issue,
      },
      'tracker issue no longer carries its link mark; its events are not applied',
    );
  }
}

/**
 * The live link of `issueId`, checked against the issue's mark. `seen`: what the event showed of the issue
 * (a webhook's labels, a search's properties); when that cannot tell, the issue is read once more. A link no
 * push has marked yet (linked by hand or imported, first push pending) is trusted on the read that made it.
 */
async function checkedLink(
  deps: TrackerEventsDeps,
  tracker: Tracker,
  issueId: string,
  seen?: { issueId: string; marks?: IssueMarks | undefined },
  found?: LiveLink | null,
): Promise<CheckedLink> {
  const link = found === undefined ? await deps.links.linkOf(tracker.kind, tracker.site, issueId) : found;
  if (!link) return { kind: 'none' };
  if (!link.markedAt) return { kind: 'own', link };
  let carries = seen ? tracker.carriesMark(seen, link.idempotencyKey) : undefined;
  if (carries === undefined) {
    const fresh = await tracker.getIssue(issueId);
    if (!fresh) return { kind: 'gone', link };
    carries = tracker.carriesMark(fresh, link.idempotencyKey) ?? false;
  }
  if (!carries) {
    await markLost(deps, tracker, link, issueId);
    return { kind: 'foreign', link };
  }
  if (link.markLostAt) await deps.store.links.clearMarkLost(link.id);
  return { kind: 'own', link };
}

/**
 * An event that says nothing new about a marked issue (the status, its category and key its link holds; no duplicate
 * mark) from a read that cannot show the mark (a Jira webhook: entity properties are not in it). Applying it only
 * records the issue's newer update time, so its mark is not read again for it: our own pushes fire one such event
 * for every issue update. A status change, a duplicate mark or a link whose mark was found lost is still checked.
 */
function nothingNew(tracker: Tracker, link: LiveLink, state: TrackerIssueState): boolean {
  return (
    link.markedAt !== null &&
    link.markLostAt === null &&
    tracker.carriesMark(state, link.idempotencyKey) === undefined &&
    state.duplicateOfIssueId === undefined &&
    state.category !== 'duplicate' &&
    link.statusName === state.statusName &&
    link.statusCategory === state.category &&
    link.issueKey === state.issueKey
  );
}

/**
 * `duplicateIssueId` was marked a duplicate of `originalIssueId` in the tracker. Both linked to different
 * features: the duplicate's feature merges into the original's. Only the duplicate linked: its feature takes
 * the original issue as its primary link, so it follows the issue the work now lives on.
 */
async function duplicate(
  deps: TrackerEventsDeps,
  tracker: Tracker,
  duplicateIssueId: string,
  originalIssueId: string,
  cause: StatusCause,
  checkedDup?: LiveLink,
): Promise<string> {
  let dup = checkedDup;
  if (!dup) {
    const checked = await checkedLink(deps, tracker, duplicateIssueId);
    if (checked.kind === 'none') return 'duplicate issue not linked';
    if (checked.kind !== 'own')
      return `duplicate issue ${checked.kind === 'gone' ? 'not found' : "lost its link's mark"}`;
    dup = checked.link;
  }
  const checkedOriginal = await checkedLink(deps, tracker, originalIssueId);
  if (checkedOriginal.kind === 'foreign') return "original issue lost its link's mark: not merged";
  if (checkedOriginal.kind === 'gone') return `original issue ${originalIssueId} not found`;
  const original = checkedOriginal.kind === 'own' ? checkedOriginal.link : undefined;
  if (original?.featureId === dup.featureId) return 'both issues already on one feature';
  if (original) {
    const ours = await ownDuplicateClose(tracker, dup, originalIssueId, cause);
    if (ours) return ours;
    const merged = await deps.merges.merge(
      dup.featureId,
      original.featureId,
      cause,
      {
        duplicateLinkId: dup.id,
        originalLinkId: original.id,
        issueKey: dup.issueKey,
        duplicateOf: original.issueKey,
      },
      { by: 'tracker', actor: `${tracker.kind}/${tracker.site} ${dup.issueKey ?? duplicateIssueId}` },
    );
    if (merged.outcome !== 'merged') return `not merged: ${merged.reason}`;
    changed(deps, merged.change, cause);
    return `feature ${dup.featureId} merged into ${merged.intoId}`;
  }
  const state = await tracker.getIssue(originalIssueId);
  if (!state) return `original issue ${originalIssueId} not found`;
  const linked = await deps.links.linkIssue(dup.featureId, state, dup.target as PushTarget, {
    cause,
    supersedes: dup.id,
  });
  if (linked.outcome !== 'linked') return `original not linked: ${linked.outcome}`;
  changed(deps, linked.change, cause);
  return `feature ${dup.featureId} now follows ${state.issueKey}`;
}

/**
 * Why a duplicate mark between two linked issues is not the product owner's word, if it is not: a merge made here
 * closes the merged feature's issue as a duplicate of the survivor's, and the tracker tells of that close as of any
 * other. While the close is wanted or not yet undone, the mark is ours. After it was undone (unmerged, issue
 * reopened), a late delivery of it would merge the features again: a webhook's word is checked against a fresh
 * read of the issue (a reconcile's read is fresh already).
 */
async function ownDuplicateClose(
  tracker: Tracker,
  dup: LiveLink,
  originalIssueId: string,
  cause: StatusCause,
): Promise<string | undefined> {
  if (dup.duplicateOfLinkId !== null || dup.closedAsDuplicateOf === originalIssueId) {
    return 'closed as a duplicate by a merge made here: not merged again';
  }
  if (cause === 'reconcile') return undefined;
  const fresh = await tracker.getIssue(dup.issueId ?? '');
  if (fresh?.duplicateOfIssueId === originalIssueId) return undefined;
  return `issue ${dup.issueKey ?? dup.issueId} no longer a duplicate of ${originalIssueId}: not merged`;
}

async function applyEvent(
  deps: TrackerEventsDeps,
  tracker: Tracker,
  event: TrackerEvent,
  cause: StatusCause,
): Promise<string> {
  switch (event.type) {
    case 'ignored':
      return `ignored: ${event.reason}`;
    case 'issue-deleted': {
      const link = await deps.links.linkOf(tracker.kind, tracker.site, event.issueId);
      if (!link) return `issue ${event.issueId} not linked`;
      // A deleted issue cannot be read again: what the delivery shows decides. Marks of another link and not
      // this one's say the deleted issue was someone else's.
      if (link.markedAt && deletedIssueIsForeign(tracker, event, link.idempotencyKey)) {
        await markLost(deps, tracker, link, event.issueId);
        return `issue ${event.issueId} deleted, but it carried another link's mark: link ${link.id} kept`;
      }
      const done = await deps.links.unlinkIssue(tracker.kind, tracker.site, event.issueId, cause, {
        linkId: link.id,
      });
      if (!done) return `issue ${event.issueId} not linked`;
      changed(deps, done.change, cause);
      return `issue ${event.issueId} deleted: link ${done.linkId} unlinked`;
    }
    case 'duplicate-marked':
      return duplicate(deps, tracker, event.issueId, event.duplicateOfIssueId, cause);
    case 'issue-changed': {
      const { state } = event;
      const known = (await deps.links.linkOf(tracker.kind, tracker.site, state.issueId)) ?? null;
      const checked =
        known && nothingNew(tracker, known, state)
          ? ({ kind: 'own', link: known } as const)
          : await checkedLink(deps, tracker, state.issueId, state, known);
      if (checked.kind === 'none') return `issue ${state.issueKey} not linked`;
      if (checked.kind === 'gone') return `issue ${state.issueKey}: not found when its mark was checked`;
      if (checked.kind === 'foreign') return `issue ${state.issueKey}: lost its link's mark; not applied`;
      const applied = await deps.links.applyIssueState(state, cause, { linkId: checked.link.id });
      if (applied.outcome === 'not-linked') return `issue ${state.issueKey} not linked`;
      let line = `issue ${state.issueKey}: older than the state applied`;
      if (applied.outcome === 'applied') {
        changed(deps, applied.change, cause);
        line = `issue ${state.issueKey}: ${state.statusName}`;
      }
      // Also for a state seen before: a merge that failed after its state was applied (a 429 reading the
      // original, a crash) is only retried this way; the merge is idempotent. Linear's webhook says only that the
      // issue moved to a duplicate state; its relation names the original.
      const original =
        state.duplicateOfIssueId ??
        (state.kind === 'linear' && state.category === 'duplicate'
          ? (await tracker.getIssue(state.issueId))?.duplicateOfIssueId
          : undefined);
      if (original)
        line += `; ${await duplicate(deps, tracker, state.issueId, original, cause, checked.link)}`;
      return line;
    }
  }
}

/**
 * What the trackers say, applied to features: shared by the webhook job (cause `tracker`) and the reconcile job
 * (cause `reconcile`). Each event becomes one short outcome line, kept on the delivery row for whoever asks why.
 *
 * An issue id is not proof that the issue is the one a link followed: a tracker reset or re-created, or a site
 * imported elsewhere, hands the same id to another issue. So a status, duplicate or deletion event applies to a
 * link only while the issue carries that link's mark (tracker.carriesMark). An issue without it is reported on
 * the link (`mark_lost`, in /readyz too) and logged; its feature and customers hear nothing.
 */
export function createTrackerEvents(deps: TrackerEventsDeps) {
  return {
    async applyEvents(
      tracker: Tracker,
      events: readonly TrackerEvent[],
      cause: StatusCause,
    ): Promise<string[]> {
      const outcomes: string[] = [];
      for (const event of events) outcomes.push(await applyEvent(deps, tracker, event, cause));
      return outcomes;
    },
  };
}

export type TrackerEvents = ReturnType<typeof createTrackerEvents>;

/** A deletion whose delivery shows marks, none of them this link's (a Linear issue we created is ours by its id). */
function deletedIssueIsForeign(
  tracker: Tracker,
  event: { issueId: string; marks?: IssueMarks | undefined },
  idempotencyKey: string,
): boolean {
  const carries = tracker.carriesMark(event, idempotencyKey);
  return carries === false || (carries === undefined && (event.marks?.seen.length ?? 0) > 0);
}

/**
 * Issues that read as missing (a 404 on push, absent from a sweep) are unlinked only while their link's project or
 * team is visible to our credentials (asked once per target): credentials that lost access to a project see all its
 * issues as missing, and unlinking them would lose every link there. The issues of an invisible target keep their
 * links; `hidden` names those targets, for `lostAccess`.
 */
export async function unlinkMissingIssues(
  { links }: { links: Pick<LinkState, 'linkOf' | 'unlinkIssue'> },
  tracker: Tracker,
  issueIds: readonly string[],
  cause: StatusCause,
): Promise<{ unlinked: number; hidden: string[] }> {
  const visible = new Map<string, Promise<boolean>>();
  const hidden = new Set<string>();
  let unlinked = 0;
  for (const issueId of issueIds) {
    const link = await links.linkOf(tracker.kind, tracker.site, issueId);
    if (!link) continue;
    const target = whereIssueLives(link.target as PushTarget, link.issueKey);
    const name = target.kind === 'jira' ? `project ${target.project}` : `team ${target.team}`;
    let seen = visible.get(name);
    if (!seen) {
      seen = tracker.targetVisible(target);
      visible.set(name, seen);
    }
    if (!(await seen)) {
      hidden.add(name);
      continue;
    }
    if (await links.unlinkIssue(tracker.kind, tracker.site, issueId, cause)) unlinked++;
  }
  return { unlinked, hidden: [...hidden] };
}

/**
 * The project or team an issue is in: its key's prefix (`SBX-12`, `ENG-7`) when known, since an issue linked by a
 * duplicate or moved since may not be where the link's target points; else the target's.
 */
export function whereIssueLives(target: PushTarget, issueKey: string | null): PushTarget {
  const prefix = issueKey ? /^([A-Za-z][A-Za-z0-9_]*)-\d+$/.exec(issueKey)?.[1] : undefined;
  if (!prefix) return target;
  return target.kind === 'jira' ? { ...target, project: prefix } : { ...target, team: prefix };
}

/** What a job throws when `unlinkMissingIssues` kept links: an auth problem (the tracker shows unhealthy). */
export function lostAccess(tracker: Tracker, hidden: readonly string[]): ConnectorError {
  return new ConnectorError(
    'auth',
    tracker.kind,
    `${tracker.kind} ${tracker.site}: ${hidden.join(', ')} is not visible to our credentials; its issues read as missing, and their links are kept until access is back`,
  );
}
