import { and, eq, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { DedupeEngine } from '../rules/dedupe/engine.ts';
import { indexedDocument } from '../rules/dedupe/memory-index.ts';
import {
  featureDocumentId,
  lockDedupeIndex,
  requestDocumentId,
  storeDedupeIndex,
} from '../store/dedupe-index.repo.ts';
import { scrubCandidateEvidence } from '../store/erasure-evidence.ts';
import { type DirtyLink, markLinksDirty, type Tx } from '../store/feature-writes.ts';
import {
  dedupeDocuments,
  devMail,
  features,
  notifications,
  requesters,
  requests,
  type SubmittedRequester,
  trackerLinks,
  triageDecisions,
} from '../store/schema.ts';
import { relearnWithoutRequests } from './dedupe-learning.ts';
import { erasedFeatureTitle, forgetOldTitles, type Retitled, retitleFeatures } from './erasure-titles.ts';

/** The address an erased requester keeps: `.invalid` can never route (RFC 2606), and the id keeps it unique. */
const erasedEmail = (requesterId: string) => `erased-${requesterId}@invalid`;

export type ErasureOutcome =
  | { outcome: 'not-found' }
  | {
      outcome: 'erased';
      /** False when the requester had been erased before (a repeated DELETE); the scrub ran again anyway. */
      firstTime: boolean;
      requestIds: string[];
      featureIds: string[];
      /** Features that were named after their words, with their new titles. */
      retitled: Retitled[];
      cancelledNotifications: number;
      /** Links whose issue shows these requests: pushed once committed so the tracker forgets them too. */
      dirty: DirtyLink[];
      /**
       * Links whose issue shows these requests but no longer carries the link's mark: no push reaches an issue that
       * may not be ours, so their words stay there until someone removes them by hand (or the mark comes back).
       */
      notRepushed: NotRepushedLink[];
    };

/** A tracker issue an erasure could not rewrite, for the operator to clean by hand. */
interface NotRepushedLink {
  linkId: string;
  tracker: string;
  site: string;
  issueKey: string | null;
  url: string | null;
}

/**
 * Erases a requester's personal data, in the caller's transaction. The requester row stays, anonymous, and so do their
 * requests' requester and company ids: every count and score (which count distinct requester and company ids,
 * store/feature-score.ts) is unchanged. What goes: email, name and external id (row and submitted copy), the request
 * texts, source links and reply threads, unsent notifications, dev-outbox copies, the dedupe index's copy of their
 * words and the words other triage decisions matched in it; a feature named after their request is renamed
 * (erasure-titles.ts). Stored tracker webhooks need nothing: a delivery keeps only the events it means (ids, keys,
 * status, times), never its body. Tokens die with the version bump. Safe to repeat: a second run finds nothing
 * left and changes nothing that counts.
 */
export async function eraseRequester(
  tx: Tx,
  dedupe: DedupeEngine,
  requesterId: string,
): Promise<ErasureOutcome> {
  // Triage resolves requesters and indexes request text under this lock: taken first, as triage and merges do.
  await lockDedupeIndex(tx);
  const [person] = await tx.select().from(requesters).where(eq(requesters.id, requesterId)).for('update');
  if (!person) return { outcome: 'not-found' } as const;
  const placeholder = erasedEmail(person.id);
  const oldKey = person.emailKey;
  const firstTime = person.erasedAt === null;

  await anonymiseRequester(tx, person.id, placeholder, firstTime);
  const rows = await emptyRequests(tx, person.id, oldKey, placeholder);
  // After the requests are rewritten (and locked): a push that carried their old words to a tracker either
  // committed before, or sees this erasure (links.repo recordRequestsPushed), so erasedRequests finds it.
  await tx
    .update(requesters)
    .set({ erasedAt: sql`coalesce(${requesters.erasedAt}, clock_timestamp())` })
    .where(eq(requesters.id, person.id));
  const requestIds = rows.map((r) => r.id);
  const featureIds = [...new Set(rows.flatMap((r) => (r.featureId ? [r.featureId] : [])))];
  // A feature named after their request: its new title comes from requests whose requester is not erased.
  const retitled = await retitleFeatures(tx, requestIds);

  if (requestIds.length > 0) {
    // The evidence lists the words the request shared with its feature; the decision itself stays.
    await tx
      .update(triageDecisions)
      .set({ evidence: { erased: true } })
      .where(inArray(triageDecisions.requestId, requestIds));
    await scrubCandidateEvidence(tx, requestIds);
  }
  await removeFromDedupeIndex(tx, dedupe, requestIds, featureIds, retitled);
  // Their words stop teaching dedupe: what the answers teach is learned again without them.
  await relearnWithoutRequests(tx, dedupe, requestIds);
  const cancelledNotifications = await cancelAndScrubNotifications(tx, person.id);
  // The dev outbox's `to` is the address, alone or as `Name <address>`.
  await tx
    .delete(devMail)
    .where(
      or(sql`lower(${devMail.to}) = ${oldKey}`, sql`position(${`<${oldKey}>`} in lower(${devMail.to})) > 0`),
    );
  const { dirty, notRepushed } = await linksToRepush(tx, featureIds, retitled);

  return {
    outcome: 'erased',
    firstTime,
    requestIds,
    featureIds,
    retitled,
    cancelledNotifications,
    dirty,
    notRepushed,
  } as const;
}

/** The requester row keeps its id and nothing that names them; a first erasure also voids their links' tokens. */
async function anonymiseRequester(
  tx: Tx,
  id: string,
  placeholder: string,
  firstTime: boolean,
): Promise<void> {
  await tx
    .update(requesters)
    .set({
      email: placeholder,
      emailKey: placeholder,
      name: null,
      externalId: null,
      notifyDigest: false,
      // Every status-page and unsubscribe link carries the version it was signed with (rules/notify/tokens.ts).
      ...(firstTime ? { tokenVersion: sql`${requesters.tokenVersion} + 1` } : {}),
      updatedAt: sql`now()`,
    })
    .where(eq(requesters.id, id));
}

/**
 * Their requests, and any not triaged yet that name the old address (triage would otherwise make a new,
 * identifiable requester of them; with the placeholder it resolves to this anonymous row), locked and emptied.
 */
async function emptyRequests(tx: Tx, requesterId: string, oldKey: string, placeholder: string) {
  const mine = or(
    eq(requests.requesterId, requesterId),
    and(isNull(requests.requesterId), sql`lower(trim(${requests.submittedRequester}->>'email')) = ${oldKey}`),
  );
  const rows = await tx
    .select({ id: requests.id, featureId: requests.featureId, submitted: requests.submittedRequester })
    .from(requests)
    .where(mine)
    .orderBy(requests.id)
    .for('update');
  for (const r of rows) {
    // The company is the customer's account, not the person: kept, so an untriaged request still counts it.
    const submitted: SubmittedRequester = {
      email: placeholder,
      ...(r.submitted.company ? { company: r.submitted.company } : {}),
    };
    await tx
      .update(requests)
      .set({ title: '', body: '', url: null, sourceThread: null, submittedRequester: submitted })
      .where(eq(requests.id, r.id));
  }
  return rows;
}

/** Cancels their unsent notifications and empties what the others say; returns how many were cancelled. */
async function cancelAndScrubNotifications(tx: Tx, requesterId: string): Promise<number> {
  const cancelled = await tx
    .update(notifications)
    .set({ state: 'cancelled', reason: 'erased', updatedAt: sql`now()` })
    .where(and(eq(notifications.requesterId, requesterId), eq(notifications.state, 'pending')))
    .returning({ id: notifications.id });
  // What was sent stays as a record (state, status, when); its detail and its reason (an SMTP reply from before
  // replies were scrubbed, mail/errors.ts) may name them. `erased` is what the cancellation above just wrote.
  await tx
    .update(notifications)
    .set({
      detail: {},
      reason: sql`case when ${notifications.reason} = 'erased' then 'erased' end`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(notifications.requesterId, requesterId),
        sql`(${notifications.detail} <> '{}'::jsonb or ${notifications.reason} <> 'erased')`,
      ),
    );
  return cancelled.length;
}

/**
 * The issues quoted their words with their name, and maybe carry their title: those links are marked for a push.
 * The ones whose mark was lost stay dirty (pushed if the mark comes back) but are told apart: the push skips them.
 */
async function linksToRepush(tx: Tx, featureIds: readonly string[], retitled: readonly Retitled[]) {
  const dirty = new Map<string, DirtyLink>();
  for (const featureId of featureIds) {
    for (const link of await markLinksDirty(tx, featureId)) dirty.set(link.id, link);
  }
  for (const link of await forgetOldTitles(tx, retitled)) dirty.set(link.id, link);
  const notRepushed =
    dirty.size === 0
      ? []
      : await tx
          .select({
            linkId: trackerLinks.id,
            tracker: trackerLinks.kind,
            site: trackerLinks.site,
            issueKey: trackerLinks.issueKey,
            url: trackerLinks.url,
          })
          .from(trackerLinks)
          .where(and(inArray(trackerLinks.id, [...dirty.keys()]), isNotNull(trackerLinks.markLostAt)));
  for (const link of notRepushed) dirty.delete(link.linkId);
  return { dirty: [...dirty.values()], notRepushed };
}

/**
 * Their words leave the index. A feature left with no document would be unfindable by similarity, so its own
 * title (no longer the customer's words: renamed first) takes their place, as an imported issue's title does; a
 * placeholder title means nothing and is not indexed. A renamed feature's title document is indexed anew.
 */
async function removeFromDedupeIndex(
  tx: Tx,
  dedupe: DedupeEngine,
  requestIds: readonly string[],
  featureIds: readonly string[],
  retitled: readonly Retitled[],
): Promise<void> {
  const index = storeDedupeIndex(tx);
  for (const id of requestIds) await index.remove(requestDocumentId(id));
  for (const { featureId, title } of retitled) {
    const documentId = featureDocumentId(featureId);
    const [doc] = await tx
      .select({ featureId: dedupeDocuments.featureId })
      .from(dedupeDocuments)
      .where(eq(dedupeDocuments.id, documentId));
    if (!doc) continue;
    await index.remove(documentId);
    if (title !== erasedFeatureTitle(featureId))
      await index.add(documentId, doc.featureId, indexedDocument(dedupe.analyse({ title })));
  }
  for (const featureId of featureIds) {
    const [left] = await tx
      .select({ id: dedupeDocuments.id })
      .from(dedupeDocuments)
      .where(eq(dedupeDocuments.featureId, featureId))
      .limit(1);
    if (left) continue;
    const [feature] = await tx
      .select({ title: features.title })
      .from(features)
      .where(eq(features.id, featureId));
    if (!feature || feature.title === erasedFeatureTitle(featureId)) continue;
    await index.add(
      featureDocumentId(featureId),
      featureId,
      indexedDocument(dedupe.analyse({ title: feature.title })),
    );
  }
}
