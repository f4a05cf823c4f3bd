import type { FeatureStatus } from '../../domain/status.ts';
import { isStepBack } from '../rollup.ts';

/**
 * News of a step back a person took, as a notification row keeps it in its detail: `back` says why (`reopened`: an
 * issue that spoke for the feature went back in its workflow; `unmerged`: the feature was unmerged), and an unmerge
 * names the feature the request is no longer merged into (`unmergedFrom`). An unmerge, and a reopening of what they
 * were told had shipped or was declined, are written whatever the new status (`backIsNews`); a move back from
 * elsewhere is told in its own words when its status notifies, and not otherwise (back to review is triage churn).
 * A row replacing such news within the coalescing window keeps it while it is still true for the requester.
 */
export type BackReason = 'reopened' | 'unmerged';

export interface BackNews {
  back?: BackReason;
  unmergedFrom?: { id: string; title: string };
}

/** The news of a step back a row's detail carries, if any (anything else in it is ignored). */
export function backNewsOf(detail: Record<string, unknown> | undefined): BackNews {
  const back = detail?.['back'];
  if (back !== 'reopened' && back !== 'unmerged') return {};
  const from = detail?.['unmergedFrom'] as { id?: unknown; title?: unknown } | undefined;
  const unmergedFrom =
    typeof from?.id === 'string' && typeof from.title === 'string'
      ? { id: from.id, title: from.title }
      : undefined;
  return { back, ...(unmergedFrom ? { unmergedFrom } : {}) };
}

/**
 * What a new row says about a step back: the change's own news, else what the pending row it replaces said, while
 * true for this requester: an unmerge they have not heard of yet always; any other while the new status is a step
 * back from what they knew (`fromStatus`: told, or where their waiting row's window started).
 */
export function carriedBackNews(
  change: Record<string, unknown> | undefined,
  replaced: Record<string, unknown> | undefined,
  fromStatus: FeatureStatus,
  to: FeatureStatus,
): BackNews {
  const own = backNewsOf(change);
  const news = own.back ? own : backNewsOf(replaced);
  if (news.unmergedFrom) return news;
  // A step back from what they were never told is plain news for them.
  return news.back && isStepBack(fromStatus, to) ? news : {};
}

export type BackWording = 'reopened' | 'moved_back' | 'unmerged';

/**
 * How a row's step back is worded, from what the requester knew before (`fromStatus`) and the status it announces:
 * an unmerge names the feature; from shipped or declined the work was reopened; from elsewhere it moved back; a
 * step back to `declined` (no unmerge) is worded as any decline. Undefined: no step back, the status's own message.
 */
export function backWording(
  news: BackNews,
  fromStatus: FeatureStatus | undefined,
  status: FeatureStatus,
): BackWording | undefined {
  if (!news.back) return undefined;
  if (news.unmergedFrom) return 'unmerged';
  if (status === 'declined') return undefined;
  // Issues an unmerge took away from a feature that keeps its requests: nothing of theirs was reopened.
  if (news.back === 'unmerged') return 'moved_back';
  return fromStatus === 'shipped' || fromStatus === 'declined' ? 'reopened' : 'moved_back';
}

/** Whether the step back is news whatever the status: an unmerge, or a reopening of something shipped or declined. */
export function backIsNews(
  news: BackNews,
  fromStatus: FeatureStatus | undefined,
  status: FeatureStatus,
): boolean {
  const wording = backWording(news, fromStatus, status);
  return wording === 'unmerged' || wording === 'reopened';
}
