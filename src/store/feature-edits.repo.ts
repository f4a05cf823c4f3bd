import { eq, sql } from 'drizzle-orm';
import type { Tx } from './feature-writes.ts';
import { features } from './schema.ts';

/** The writes a product owner's edit of a feature makes (the application calls them in its unit of work). */

/**
 * The product owner's title: no requester's words any more (`titleRequestId` null, so erasing a requester never
 * retitles it). `titleKey` stays: exact-title matching compares what requesters wrote, not the summary.
 */
export async function setFeatureTitle(tx: Tx, featureId: string, title: string): Promise<void> {
  await tx
    .update(features)
    .set({ title, titleRequestId: null, updatedAt: sql`now()` })
    .where(eq(features.id, featureId));
}
