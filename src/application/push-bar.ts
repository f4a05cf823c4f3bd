import type { PushTarget } from '../domain/tracker.ts';
import type { RouteInput } from '../rules/route.ts';
import { type DirtyLink, NO_ROUTE_INPUT, routeInputsOf, type Tx } from '../store/feature-writes.ts';
import { heldForReviewAmong } from '../store/review.repo.ts';
import { featureDemandsOf, insertPrimaryLinks, markLinksDirtyOf } from '../store/triage.repo.ts';

/**
 * The push bar, applied where a feature's demand or review changed (triage, "not a duplicate", an expired review
 * hold): a feature that passes it gets a link to its routed target and its issues marked for a push, unless it is
 * held from the tracker while a person reviews it as a possible duplicate.
 */

export interface PushPolicy {
  minRequests: number;
  minScore: number;
  /** How long a possible duplicate waits for review before it is pushed anyway (`push.holdForReview`); 0: not at all. */
  holdForReviewSeconds: number;
  route: (input: RouteInput) => PushTarget;
}

/**
 * Once a feature passes the push bar, it gets a link to the routed target (written before any tracker call), and
 * every live link is marked dirty: the same transaction as the demand change, so the redrive finds the work even
 * if the enqueue after commit is lost. A feature waiting for review gets no link while its hold lasts (its demand
 * then goes wherever the person decides: the feature it joins, or its own issue); one that has a link keeps it.
 */
export async function markForPush(tx: Tx, featureId: string, policy: PushPolicy): Promise<DirtyLink[]> {
  return (await markFeaturesForPush(tx, [featureId], policy)).get(featureId) ?? [];
}

/**
 * The push bar's link step for several features: each that passes the bar, has no link and is not held gets its
 * first link, routed on the requests it has now. Returns the features that pass and are not held (those whose links
 * a push marks dirty).
 */
export async function linkFeaturesPassing(
  tx: Tx,
  featureIds: readonly string[],
  policy: PushPolicy,
): Promise<string[]> {
  const passing = (await featureDemandsOf(tx, featureIds)).filter(
    (f) => f.requestCount >= policy.minRequests && f.score >= policy.minScore,
  );
  const unlinked = passing.filter((f) => !f.hasLink).map((f) => f.id);
  const held = await heldForReviewAmong(tx, unlinked, policy.holdForReviewSeconds);
  const toLink = featureIds.filter((id) => unlinked.includes(id) && !held.has(id));
  const inputs = await routeInputsOf(tx, toLink);
  await insertPrimaryLinks(
    tx,
    toLink.map((featureId) => ({
      featureId,
      target: policy.route(inputs.get(featureId) ?? NO_ROUTE_INPUT),
    })),
  );
  return passing.filter((f) => !held.has(f.id)).map((f) => f.id);
}

/**
 * markForPush for several features (the ones a triage batch touched): the same decisions and writes, with the
 * reads and the marking done once for all of them. Returns each feature's links marked dirty.
 */
export async function markFeaturesForPush(
  tx: Tx,
  featureIds: readonly string[],
  policy: PushPolicy,
): Promise<Map<string, DirtyLink[]>> {
  const links = new Map<string, DirtyLink[]>(featureIds.map((id) => [id, []]));
  const marked = await linkFeaturesPassing(tx, featureIds, policy);
  for (const { featureId, link } of await markLinksDirtyOf(tx, marked)) links.get(featureId)?.push(link);
  return links;
}
