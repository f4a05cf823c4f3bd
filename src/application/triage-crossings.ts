import { recountFeatures } from '../store/feature-writes.ts';
import { featureDemandsOf, recordTriages } from '../store/triage.repo.ts';
import { demandScorer } from './feature-score.ts';
import type { companyKeyOf } from './identity.ts';
import { linkFeaturesPassing } from './push-bar.ts';
import type { Batch } from './triage.ts';

/**
 * A triage batch's features at the push bar. One-by-one triage routes a feature's first link when it passes the
 * bar, on the requests it has then; a later request (another tag, source, tier) could route it elsewhere. So when
 * a request brings an unlinked feature to the bar's request count, its decisions so far are recorded, the feature
 * recounted and linked if it passes, as one-by-one triage would after this request; until then (a score below the
 * bar, a review hold) it is done again after each request the feature gets. Features far from the bar, or linked,
 * cost nothing more.
 *
 * A feature this batch created can wait instead (its crossing is pending): each of its requests is the batch's,
 * so what its routing and score read (its requests, and the companies they name) can change only through a later
 * request of the batch. A pending crossing is settled before a later request joins its feature or resolves a
 * company one of its requests named (with something to write); the rest wait for the batch's end,
 * which recounts and links every feature it touched, on the same requests. So a burst of new needs, each at the
 * bar from its first request when the bar is one request, costs one recount and one link read per batch rather
 * than per request, and routes and counts what one-by-one triage would.
 */

type CompanyKey = ReturnType<typeof companyKeyOf>;

export interface Crossings {
  /** The features the batch created, each with the companies of the requests it attached to it. */
  members: Map<string, CompanyKey[]>;
  /** Of those, the ones at the bar whose recount and link wait. */
  pending: Set<string>;
}

/**
 * Settles pending crossings before a request of the batch could change what they read: the one whose feature it
 * joins (`featureId`), or those whose requests named a company its own resolution may write (`company`). A name-only
 * company may be a domain company of that name, so it meets every company. Requester rows are read by neither the
 * route nor the score.
 */
export async function settleBefore(
  batch: Batch,
  next: { featureId?: string; company?: CompanyKey },
): Promise<void> {
  const { pending, members } = batch.crossings;
  if (pending.size === 0) return;
  const writes = next.company?.writes ? next.company : undefined;
  // A company that writes has a key (companyKeyOf).
  const meets = (k: CompanyKey) =>
    writes !== undefined &&
    k.company !== undefined &&
    (k.nameOnly || writes.nameOnly || k.company === writes.company);
  const ids = [...pending].filter((id) => id === next.featureId || members.get(id)?.some(meets));
  if (ids.length === 0) return;
  for (const id of ids) pending.delete(id);
  await recountAndLink(batch, ids);
}

/**
 * After a request joined `featureId` (its decision in `batch.records`): an unlinked feature the request brought to
 * the bar's request count is recounted and linked if it passes, or, created by this batch, its crossing waits.
 */
export async function routeAtCrossing(batch: Batch, featureId: string): Promise<void> {
  const { tx, deps, bar, gained, crossings } = batch;
  if (!deps.push) return;
  let known = bar.get(featureId);
  if (!known) {
    const [read] = await featureDemandsOf(tx, [featureId]);
    known = { requestCount: read?.requestCount ?? 0, hasLink: read?.hasLink ?? false };
    bar.set(featureId, known);
  }
  if (known.hasLink || known.requestCount + (gained.get(featureId) ?? 0) < deps.push.minRequests) return;
  if (crossings.members.has(featureId)) crossings.pending.add(featureId);
  else await recountAndLink(batch, [featureId]);
}

/** Records the batch's decisions so far, recounts the features and links those that pass the bar. */
async function recountAndLink(batch: Batch, featureIds: readonly string[]): Promise<void> {
  const { tx, deps, bar, gained, recounted } = batch;
  if (!deps.push) return;
  await recordTriages(tx, batch.records.splice(0));
  await recountFeatures(tx, featureIds, demandScorer(deps.scoring));
  for (const id of featureIds) recounted.set(id, gained.get(id) ?? 0);
  for (const id of await linkFeaturesPassing(tx, featureIds, deps.push)) {
    const known = bar.get(id);
    if (known) known.hasLink = true;
  }
}
