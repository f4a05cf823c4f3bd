import type { Application } from '../../application/application.ts';
import type { Config } from '../../config/load.ts';
import { ConnectorError } from '../../connectors/errors.ts';
import type { Tracker, TrackerIssueRef } from '../../connectors/tracker.ts';
import { errorForLog, type Logger } from '../../log.ts';
import type { TrackerLink } from '../../store/links.repo.ts';
import type { Store } from '../../store/store.ts';

/**
 * The push of a link whose issue a merge closes as a duplicate, or an unmerge reopens (`duplicate_of_link_id`,
 * `closed_as_duplicate_of`): the tracker call first, then what it did recorded on the link. Both calls are safe to
 * repeat, so a push killed between them and run again ends the same.
 */

export interface DuplicatePushDeps {
  store: Store;
  application: Application;
  config: Pick<Config, 'publicUrl'>;
  log: Logger;
}

/** What the push does next: it is done (the issue is closed as a duplicate), or pushes this link as usual. */
export type DuplicateStep =
  | { done: { issueKey: string; created: false } | { skipped: string } }
  | { link: TrackerLink };

/** The customer requests the closed issue carried, moved on as the push would (`carryCustomerRequests`). */
type Carry = (link: TrackerLink, tracker: Tracker, ref: TrackerIssueRef) => Promise<void>;

/** The issue the link already names, if any. */
export function issueRefOf(link: TrackerLink): TrackerIssueRef | undefined {
  return link.issueId
    ? {
        kind: link.kind,
        site: link.site,
        issueId: link.issueId,
        issueKey: link.issueKey ?? '',
        url: link.url ?? '',
      }
    : undefined;
}

/**
 * Closes the link's issue as a duplicate when a merge asked for it, or reopens it when an unmerge undid that (the
 * link comes back re-read, its demand to be pushed as usual). Nothing to do: the link as it was.
 */
export async function settleDuplicate(
  deps: DuplicatePushDeps,
  link: TrackerLink,
  tracker: Tracker,
  carry: Carry,
): Promise<DuplicateStep> {
  const ref = issueRefOf(link);
  if (!ref) return { link };
  if (link.duplicateOfLinkId) return { done: await closeDuplicate(deps, link, tracker, ref, carry) };
  if (!link.closedAsDuplicateOf) return { link };
  await reopen(deps, link, link.closedAsDuplicateOf, tracker, ref);
  return { link: (await deps.store.links.get(link.id)) ?? link };
}

async function closeDuplicate(
  deps: DuplicatePushDeps,
  link: TrackerLink,
  tracker: Tracker,
  ref: TrackerIssueRef,
  carry: Carry,
): Promise<{ issueKey: string; created: false } | { skipped: string }> {
  const { store, config, log } = deps;
  const survivorLink = await store.links.get(link.duplicateOfLinkId ?? '');
  const survivor = survivorLink && survivorLink.state !== 'unlinked' ? issueRefOf(survivorLink) : undefined;
  if (!survivorLink || !survivor) {
    throw new ConnectorError(
      'invalid_input',
      link.kind,
      `cannot close ${link.issueKey ?? ref.issueId} as a duplicate: the surviving feature's issue is no longer linked`,
    );
  }
  const settled = { issueId: survivor.issueId, demandVersion: link.demandVersion };
  if (link.closedAsDuplicateOf === survivor.issueId) {
    await store.links.recordClosedAsDuplicate(link.id, {
      ...settled,
      statusBefore: link.statusBeforeClose ?? '',
    });
    return { skipped: `closed as a duplicate of ${survivor.issueKey}` };
  }
  // Closed against another issue before (the survivor merged on since): that close is undone first.
  if (link.closedAsDuplicateOf) await reopen(deps, link, link.closedAsDuplicateOf, tracker, ref);
  const { statusBefore } = await tracker.closeAsDuplicate(ref, {
    survivor,
    survivorTitle: (await store.features.title(survivorLink.featureId)) ?? '',
    featureUrl: `${config.publicUrl}/console/features/${survivorLink.featureId}`,
  });
  await store.links.recordClosedAsDuplicate(link.id, { ...settled, statusBefore });
  log.info(
    { linkId: link.id, featureId: link.featureId, issueKey: ref.issueKey, survivorKey: survivor.issueKey },
    'tracker issue closed as a duplicate',
  );
  await carry(link, tracker, ref);
  return { issueKey: ref.issueKey, created: false };
}

/**
 * Reopens the issue closed against `against`, reads its state back while the link still says it was closed by us
 * (so that read cannot speak for the feature's status with our close's done state), then forgets the close.
 */
async function reopen(
  { store, application, log }: DuplicatePushDeps,
  link: TrackerLink,
  against: string,
  tracker: Tracker,
  ref: TrackerIssueRef,
): Promise<void> {
  const survivorLink = await store.status.linkOf(link.kind, link.site, against);
  const survivor = (survivorLink && issueRefOf(survivorLink)) ?? {
    kind: link.kind,
    site: link.site,
    issueId: against,
    issueKey: '',
    url: '',
  };
  await tracker.reopenDuplicate(ref, { survivor, statusBefore: link.statusBeforeClose });
  await tracker
    .getIssue(ref.issueId)
    .then((state) => (state ? application.links.applyIssueState(state, 'tracker') : undefined))
    .catch((err: unknown) =>
      log.warn(
        { linkId: link.id, error: errorForLog(err) },
        'cannot read the reopened issue state; reconcile will',
      ),
    );
  await store.links.recordReopened(link.id, against);
  log.info({ linkId: link.id, featureId: link.featureId, issueKey: ref.issueKey }, 'tracker issue reopened');
}
