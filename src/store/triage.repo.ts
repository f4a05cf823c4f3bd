import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { type PushTarget, siteOf } from '../domain/tracker.ts';
import type { Tx } from './feature-writes.ts';
import { linkIdempotencyKey } from './links.repo.ts';
import { features, requests, trackerLinks, triageDecisions } from './schema.ts';

/**
 * The rows triage reads and writes in its transaction (application/triage.ts decides): the request locked, the
 * live feature of the same title, a new feature, the request attached and its decision recorded, and the link a
 * feature that passed the push bar gets.
 */

/** The request, locked for its triage. */
export async function lockRequest(tx: Tx, requestId: string) {
  const [request] = await tx.select().from(requests).where(eq(requests.id, requestId)).for('update');
  return request;
}

export type TriagedRequest = NonNullable<Awaited<ReturnType<typeof lockRequest>>>;

/** The live feature with this title key (the most requested first). */
export async function liveFeatureByTitleKey(tx: Tx, key: string): Promise<string | undefined> {
  const [sameTitle] = await tx
    .select({ id: features.id })
    .from(features)
    .where(and(eq(features.titleKey, key), isNull(features.mergedIntoId)))
    .orderBy(desc(features.requestCount), features.id)
    .limit(1);
  return sameTitle?.id;
}

/** A new feature for the request; returns its id. */
export async function insertRequestFeature(tx: Tx, values: typeof features.$inferInsert): Promise<string> {
  const [created] = await tx.insert(features).values(values).returning({ id: features.id });
  if (!created) throw new Error('feature insert returned no row');
  return created.id;
}

/** The request attached to its feature, with its requester and company, and its decision recorded. */
export async function recordTriage(
  tx: Tx,
  triaged: { requestId: string; requesterId: string; companyId: string | null; featureId: string },
  decision: Omit<typeof triageDecisions.$inferInsert, 'requestId' | 'featureId'>,
): Promise<void> {
  const { requestId, requesterId, companyId, featureId } = triaged;
  await tx
    .update(requests)
    .set({ requesterId, companyId, featureId, triagedAt: sql`now()` })
    .where(eq(requests.id, requestId));
  await tx.insert(triageDecisions).values({ ...decision, requestId, featureId });
}

/** What the push bar looks at. */
export async function featureDemandOf(tx: Tx, featureId: string) {
  const [feature] = await tx
    .select({ requestCount: features.requestCount, score: features.score })
    .from(features)
    .where(eq(features.id, featureId));
  return feature;
}

/** Whether the feature has any link (live or not). */
export async function hasLink(tx: Tx, featureId: string): Promise<boolean> {
  const [existing] = await tx
    .select({ id: trackerLinks.id })
    .from(trackerLinks)
    .where(eq(trackerLinks.featureId, featureId))
    .limit(1);
  return existing !== undefined;
}

/** The feature's first link, to the routed target: written before any tracker call, with its idempotency key. */
export async function insertPrimaryLink(tx: Tx, featureId: string, target: PushTarget): Promise<void> {
  await tx
    .insert(trackerLinks)
    .values({
      featureId,
      kind: target.kind,
      site: siteOf(target),
      target,
      idempotencyKey: linkIdempotencyKey(featureId, target),
      primary: true,
    })
    .onConflictDoNothing();
}
