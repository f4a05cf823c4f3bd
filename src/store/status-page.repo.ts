import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { FeatureStatus } from '../domain/status.ts';
import type { TokenClaims } from '../rules/notify/tokens.ts';
import type { Db } from './db.ts';
import { mergeChain } from './feature-writes.ts';
import { featureMerges, featureStatusChanges, features, requesters, requests } from './schema.ts';

/** The requester a token was issued to, if it may still be used: not erased, and not revoked by a version bump. */
export async function tokenRequester(db: Pick<Db, 'select'>, claims: TokenClaims) {
  const [row] = await db
    .select({
      id: requesters.id,
      email: requesters.email,
      tokenVersion: requesters.tokenVersion,
      notifyDigest: requesters.notifyDigest,
      erasedAt: requesters.erasedAt,
    })
    .from(requesters)
    .where(eq(requesters.id, claims.requesterId));
  // A version other than the row's is revoked (older) or was never issued (newer).
  if (!row || row.erasedAt !== null || row.tokenVersion !== claims.version) return undefined;
  return row;
}

export interface StatusPageView {
  request: { title: string; body: string; receivedAt: Date };
  /** The feature the request belongs to now: the survivor when it was merged. */
  feature: { id: string; title: string; status: FeatureStatus } | null;
  /** The feature the request first joined, when that was merged into `feature`. */
  mergedFrom: { title: string } | null;
  /** Status changes of every feature the request has been in (before merges too), oldest first. */
  timeline: Array<{ at: Date; from: FeatureStatus; to: FeatureStatus; featureTitle: string }>;
}

/** What `/r/<token>` shows; undefined when the token's requester or request does not (or no longer) hold. */
export async function loadStatusPage(db: Db, claims: TokenClaims): Promise<StatusPageView | undefined> {
  if (!claims.requestId) return undefined;
  const requestId = claims.requestId;
  return db.transaction(async (tx) => {
    if (!(await tokenRequester(tx, claims))) return undefined;
    const [request] = await tx
      .select({
        title: requests.title,
        body: requests.body,
        receivedAt: requests.receivedAt,
        featureId: requests.featureId,
      })
      .from(requests)
      .where(and(eq(requests.id, requestId), eq(requests.requesterId, claims.requesterId)));
    if (!request) return undefined;
    const view: StatusPageView = {
      request: { title: request.title, body: request.body, receivedAt: request.receivedAt },
      feature: null,
      mergedFrom: null,
      timeline: [],
    };
    if (!request.featureId) return view;

    // A merge moves the requests into the survivor; the features this one was in before are in feature_merges.
    const earlier = await tx
      .select({ fromFeatureId: featureMerges.fromFeatureId })
      .from(featureMerges)
      .where(
        and(sql`${featureMerges.requestIds} @> array[${requestId}]::uuid[]`, isNull(featureMerges.undoneAt)),
      )
      .orderBy(asc(featureMerges.createdAt));
    const chain = await mergeChain(tx, request.featureId);
    const all = [...new Set([...earlier.map((e) => e.fromFeatureId), ...chain])];
    const rows = await tx
      .select({ id: features.id, title: features.title, status: features.status })
      .from(features)
      .where(inArray(features.id, all));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const current = byId.get(chain[chain.length - 1] ?? request.featureId);
    if (!current) return view;
    view.feature = current;
    const first = all[0];
    if (first && first !== current.id) view.mergedFrom = { title: byId.get(first)?.title ?? '' };
    const changes = await tx
      .select({
        at: featureStatusChanges.changedAt,
        from: featureStatusChanges.fromStatus,
        to: featureStatusChanges.toStatus,
        featureId: featureStatusChanges.featureId,
      })
      .from(featureStatusChanges)
      .where(inArray(featureStatusChanges.featureId, all))
      .orderBy(asc(featureStatusChanges.changedAt), asc(featureStatusChanges.id))
      .limit(200);
    view.timeline = changes.map((c) => ({
      at: c.at,
      from: c.from,
      to: c.to,
      featureTitle: byId.get(c.featureId)?.title ?? '',
    }));
    return view;
  });
}
