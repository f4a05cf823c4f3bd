import type { DedupeEngine } from '../rules/dedupe/engine.ts';
import { type RollupRule, rollupStatus, type StatusEvent, settleFeatureStatus } from '../rules/rollup.ts';
import type { ScoringModel } from '../rules/score.ts';
import type { StatusMapConfig } from '../rules/status-map.ts';
import type { Db } from '../store/db.ts';
import type { NotifyPolicy } from '../store/notify-outbox.repo.ts';
import {
  featureStatusOf,
  linkStatusesOf,
  lockFeatures,
  type StatusCause,
  type StatusChange,
  writeStatusChange,
} from '../store/status-change.ts';
import { fanOutNotifications } from './notification-fan-out.ts';
import type { UnitOfWork, Work } from './unit-of-work.ts';

/**
 * What every feature status change shares, whether a tracker event, a link by hand or a merge made it: the roll-up
 * of a feature's links into its status, and the change recorded with its notifications in the same transaction
 * (queued by the unit of work once it commits).
 */

export interface StatusPolicy {
  statusMap: StatusMapConfig;
  rollup: RollupRule;
  /** A merge rescores both features. */
  scoring: ScoringModel;
  /** Imported issues' titles are indexed for dedupe. */
  dedupe: DedupeEngine;
  /** Who hears about a change (the notification outbox); absent: nobody is notified. */
  notify?: NotifyPolicy | undefined;
}

/**
 * Rolls the feature's links up into its status and records the change. A feature merged into another keeps
 * `merged`; links that only say "merged" (a duplicate whose original we could not read) leave the status alone
 * until the merge itself runs. The status moves back only for what `happened` allows (rules/rollup.ts): an issue
 * linked already that went back in its workflow, or an unmerge (the default for the `unmerge` cause); its
 * requesters are then told why. The caller holds the feature's row lock.
 */
export async function settleStatus(
  work: Work,
  featureId: string,
  policy: StatusPolicy,
  cause: StatusCause,
  detail: { linkId?: string; [key: string]: unknown },
  happened: StatusEvent = cause === 'unmerge' ? { kind: 'unmerged' } : { kind: 'other' },
): Promise<StatusChange | undefined> {
  const feature = await featureStatusOf(work.tx, featureId);
  if (!feature || feature.mergedIntoId) return undefined;
  const links = await linkStatusesOf(work.tx, featureId);
  const next = rollupStatus(
    links.map((l) => ({
      status: l.status ?? 'received',
      primary: l.primary,
      linkedAt: l.createdAt.toISOString(),
      updatedAt: (l.issueUpdatedAt ?? l.createdAt).toISOString(),
      viaMerge: l.mergedFrom !== null,
    })),
    policy.rollup,
  );
  const decided = settleFeatureStatus(feature.status, next, happened);
  if (!decided) return undefined;
  const { back } = decided;
  const change = { featureId, from: feature.status, to: decided.status };
  if (!back) return recordChange(work, policy, change, cause, detail);
  return recordChange(work, policy, change, cause, { ...detail, back }, { detail: { back } });
}

/** Records the change and fans its news out into the notification outbox, in the same transaction. */
export async function recordChange(
  work: Work,
  policy: StatusPolicy,
  change: StatusChange,
  cause: StatusCause,
  { linkId, ...detail }: { linkId?: string; [key: string]: unknown },
  notify: { requestIds?: readonly string[]; detail?: Record<string, unknown> } = {},
): Promise<StatusChange> {
  const statusChangeId = await writeStatusChange(work.tx, { ...change, cause, linkId, detail });
  // A committed change always has its notifications: they are written in this same transaction.
  if (policy.notify) {
    const outcome = await fanOutNotifications(work.tx, policy.notify, {
      ...change,
      statusChangeId,
      requestIds: notify.requestIds,
      detail: notify.detail ?? (await unmergedNews(work, change, cause, detail)),
    });
    work.after.notify(outcome);
  }
  return change;
}

/**
 * A feature unmerged (its status back from `merged`, `detail.from` the feature it was merged into): its requesters
 * are told their request is no longer merged into that one, whatever its status now.
 */
async function unmergedNews(
  work: Work,
  change: StatusChange,
  cause: StatusCause,
  detail: Record<string, unknown>,
): Promise<Record<string, unknown> | undefined> {
  const from = detail['from'];
  if (cause !== 'unmerge' || change.from !== 'merged' || typeof from !== 'string') return undefined;
  const survivor = (await lockFeatures(work.tx, [from])).get(from);
  return { back: 'unmerged', ...(survivor ? { unmergedFrom: { id: from, title: survivor.title } } : {}) };
}

/** Who merged, for the audit trail (feature_merges). */
export interface MergeAudit {
  by: 'tracker' | 'review' | 'api';
  actor?: string | undefined;
}

/** What the use cases that change a feature's status are built with. */
export interface StatusContext {
  /** Reads outside a transaction. */
  db: Db;
  unitOfWork: UnitOfWork;
  policy: StatusPolicy;
}

/** A use case's parameters after its context. */
export type DropContext<F> = F extends (context: StatusContext, ...rest: infer R) => unknown ? R : never;
