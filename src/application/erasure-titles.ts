import { and, asc, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import { titleKey } from '../rules/normalise.ts';
import { type DirtyLink, markLinksDirty, type Tx } from '../store/feature-writes.ts';
import { devMail, features, notifications, requesters, requests, trackerLinks } from '../store/schema.ts';

/** A feature renamed because its title was an erased requester's words. */
export interface Retitled {
  featureId: string;
  oldTitle: string;
  title: string;
}

/** The title a feature gets when no remaining request can name it: neutral, and told apart by its id. */
export const erasedFeatureTitle = (featureId: string) =>
  `Feature request ${featureId.slice(0, 8)} (requester erased)`;

/**
 * Features named after one of these (erased) requests take the title of their earliest remaining request whose
 * requester is not erased, or the placeholder when none is left. A title that is no request's (an imported issue's)
 * is not theirs and stays. Runs after the requests were emptied and the requester marked erased.
 */
export async function retitleFeatures(tx: Tx, requestIds: readonly string[]): Promise<Retitled[]> {
  if (requestIds.length === 0) return [];
  const named = await tx
    .select({ id: features.id, title: features.title })
    .from(features)
    .where(inArray(features.titleRequestId, [...requestIds]))
    .orderBy(features.id)
    .for('update');
  const retitled: Retitled[] = [];
  for (const feature of named) {
    const [next] = await tx
      .select({ id: requests.id, title: requests.title })
      .from(requests)
      .innerJoin(requesters, eq(requesters.id, requests.requesterId))
      .where(
        and(
          eq(requests.featureId, feature.id),
          isNull(requesters.erasedAt),
          ne(sql`trim(${requests.title})`, ''),
        ),
      )
      .orderBy(asc(requests.receivedAt), asc(requests.id))
      .limit(1);
    const title = next?.title ?? erasedFeatureTitle(feature.id);
    await tx
      .update(features)
      .set({ title, titleKey: titleKey(title), titleRequestId: next?.id ?? null, updatedAt: sql`now()` })
      .where(eq(features.id, feature.id));
    retitled.push({ featureId: feature.id, oldTitle: feature.title, title });
  }
  return retitled;
}

/**
 * Where else a renamed feature's old title was copied: the merge and unmerge notices other requesters were sent
 * ("merged into …", "no longer merged into …"), kept on their rows; the development-outbox messages sent about the feature; and the tracker issues that
 * carry it (the links it owns, on it or moved by a merge to a survivor), marked for a push that rewrites their
 * title.
 */
export async function forgetOldTitles(tx: Tx, retitled: readonly Retitled[]): Promise<DirtyLink[]> {
  const dirty: DirtyLink[] = [];
  for (const { featureId, title } of retitled) {
    await tx
      .update(notifications)
      .set({
        detail: sql`jsonb_set(${notifications.detail}, '{mergedInto,title}', to_jsonb(${title}::text))`,
        updatedAt: sql`now()`,
      })
      .where(sql`${notifications.detail}->'mergedInto'->>'id' = ${featureId}`);
    // The unmerge notice ("no longer merged into …") keeps the title as well.
    await tx
      .update(notifications)
      .set({
        detail: sql`jsonb_set(${notifications.detail}, '{unmergedFrom,title}', to_jsonb(${title}::text))`,
        updatedAt: sql`now()`,
      })
      .where(sql`${notifications.detail}->'unmergedFrom'->>'id' = ${featureId}`);
    // Dev-outbox messages about the feature, by Message-ID only (a search for its words would take unrelated mail
    // sharing one): each notification's own, and the digest its row went out in, whose Message-ID is the
    // requester's and the digest's hour (notify-digest.job.ts digestMessageId, digest-time.ts digestKey).
    const about = or(
      eq(notifications.featureId, featureId),
      sql`${notifications.detail}->'mergedInto'->>'id' = ${featureId}`,
      sql`${notifications.detail}->'unmergedFrom'->>'id' = ${featureId}`,
    );
    await tx.delete(devMail).where(
      or(
        inArray(
          devMail.messageId,
          tx.select({ id: notifications.messageId }).from(notifications).where(about),
        ),
        sql`exists (${tx
          .select({ one: sql`1` })
          .from(notifications)
          .where(
            and(
              about,
              sql`${notifications.detail}->>'digest' = 'true'`,
              sql`${devMail.messageId} like '<digest-' || to_char(${notifications.dueAt} at time zone 'UTC', 'YYYYMMDD"T"HH24') || '-' || ${notifications.requesterId} || '@%'`,
            ),
          )})`,
      ),
    );
    dirty.push(...(await markLinksDirty(tx, featureId)));
    const moved = await tx
      .select({ featureId: trackerLinks.featureId })
      .from(trackerLinks)
      .where(and(eq(trackerLinks.mergedFromFeatureId, featureId), ne(trackerLinks.featureId, featureId)));
    for (const into of new Set(moved.map((l) => l.featureId)))
      dirty.push(...(await markLinksDirty(tx, into)));
  }
  return dirty;
}
