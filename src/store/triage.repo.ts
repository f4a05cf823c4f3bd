import { and, inArray, isNull, sql } from 'drizzle-orm';
import { type PushTarget, siteOf } from '../domain/tracker.ts';
import { DIRTY_LINK_COLUMNS, type DirtyLink, LIVE_LINK_STATES, type Tx } from './feature-writes.ts';
import { linkIdempotencyKey } from './links.repo.ts';
import { companies, features, requests, trackerLinks, type triageDecisions } from './schema.ts';

/**
 * The rows triage reads and writes in its transaction for a batch of requests (application/triage.ts decides): the
 * requests locked, the live features of their titles, new features, the requests attached and their decisions
 * recorded, the features recounted, and the links the features that passed the push bar get.
 */

/**
 * The requests not triaged yet, locked for their triage, in the order they arrived; then those already triaged,
 * read as they are (a triage is final) and not locked. Ids with no request are left out.
 */
export async function lockRequests(tx: Tx, requestIds: readonly string[]) {
  if (requestIds.length === 0) return [];
  const ids = [...requestIds];
  // Locked first: a row triaged meanwhile is left out here (the lock re-checks the condition) and read below.
  const locked = await tx
    .select()
    .from(requests)
    .where(and(inArray(requests.id, ids), isNull(requests.triagedAt)))
    .orderBy(requests.createdAt, requests.id)
    .for('update');
  const lockedIds = new Set(locked.map((r) => r.id));
  const rest = ids.filter((id) => !lockedIds.has(id));
  if (rest.length === 0) return locked;
  const triaged = await tx.select().from(requests).where(inArray(requests.id, rest));
  return [...locked, ...triaged];
}

export type TriagedRequest = Awaited<ReturnType<typeof lockRequests>>[number];

const asParam = <T>(value: T) => sql.param(value);

/** The live features with these title keys, with their request counts. */
export async function liveFeaturesByTitleKeys(tx: Tx, keys: readonly string[]) {
  if (keys.length === 0) return [];
  return tx
    .select({ id: features.id, titleKey: features.titleKey, requestCount: features.requestCount })
    .from(features)
    .where(and(inArray(features.titleKey, [...keys]), isNull(features.mergedIntoId)));
}

/** A new feature for the request; returns its id. */
export async function insertRequestFeature(tx: Tx, values: typeof features.$inferInsert): Promise<string> {
  const [created] = await tx.insert(features).values(values).returning({ id: features.id });
  if (!created) throw new Error('feature insert returned no row');
  return created.id;
}

/** A request's triage: who it is from, the feature it joined or started, and the decision. */
export interface TriageRecord {
  requestId: string;
  requesterId: string;
  companyId: string | null;
  featureId: string;
  decision: Pick<typeof triageDecisions.$inferInsert, 'action' | 'method' | 'score' | 'evidence'>;
}

/**
 * The requests attached to their features, with their requesters and companies, and their decisions recorded: one
 * statement for any number of them.
 */
export async function recordTriages(tx: Tx, records: readonly TriageRecord[]): Promise<void> {
  if (records.length === 0) return;
  const column = <T>(pick: (r: TriageRecord) => T) => asParam(records.map(pick));
  await tx.execute(sql`
    with triaged as (
      select * from unnest(${column((r) => r.requestId)}::uuid[], ${column((r) => r.requesterId)}::uuid[],
                           ${column((r) => r.companyId)}::uuid[], ${column((r) => r.featureId)}::uuid[],
                           ${column((r) => r.decision.action)}::text[], ${column((r) => r.decision.method)}::text[],
                           ${column((r) => r.decision.score)}::float8[],
                           ${column((r) => JSON.stringify(r.decision.evidence))}::jsonb[])
        as t(request_id, requester_id, company_id, feature_id, action, method, score, evidence)
    ),
    attached as (
      update requests r set requester_id = t.requester_id, company_id = t.company_id, feature_id = t.feature_id,
                            triaged_at = now()
      from triaged t where r.id = t.request_id
    )
    insert into triage_decisions (request_id, feature_id, action, method, score, evidence)
    select request_id, feature_id, action, method, score, evidence from triaged`);
}

/**
 * Of these companies, the ones a name-only company's fold may be due into (company-folds.ts): a domain company
 * with a name that a name-only company's key holds. The fold itself checks again, after the triage committed.
 */
export async function companiesWithNameCompany(tx: Tx, companyIds: readonly string[]): Promise<string[]> {
  if (companyIds.length === 0) return [];
  const named = await tx
    .select({ id: companies.id, name: companies.name, domain: companies.domain })
    .from(companies)
    .where(inArray(companies.id, [...companyIds]));
  const byKey = new Map<string, string[]>();
  for (const c of named) {
    if (!c.domain || !c.name?.trim()) continue;
    const key = `name:${c.name.trim().toLowerCase()}`;
    byKey.set(key, [...(byKey.get(key) ?? []), c.id]);
  }
  if (byKey.size === 0) return [];
  const found = await tx
    .select({ key: companies.key })
    .from(companies)
    .where(inArray(companies.key, [...byKey.keys()]));
  return found.flatMap((f) => byKey.get(f.key) ?? []);
}

/** What the push bar looks at, for several features at once, and whether each has any link (live or not). */
export async function featureDemandsOf(tx: Tx, featureIds: readonly string[]) {
  if (featureIds.length === 0) return [];
  return tx
    .select({
      id: features.id,
      requestCount: features.requestCount,
      score: features.score,
      // Qualified by hand: drizzle writes a select's columns unqualified, and an unqualified "id" in the subquery
      // is the link's own id.
      hasLink: sql<boolean>`exists (select 1 from tracker_links l where l.feature_id = "features"."id")`,
    })
    .from(features)
    .where(inArray(features.id, [...featureIds]));
}

/** markLinksDirty (feature-writes.ts) for several features: their live links, each with its feature. */
export async function markLinksDirtyOf(
  tx: Tx,
  featureIds: readonly string[],
): Promise<Array<{ featureId: string; link: DirtyLink }>> {
  if (featureIds.length === 0) return [];
  const rows = await tx
    .update(trackerLinks)
    .set({
      dirtySince: sql`coalesce(${trackerLinks.dirtySince}, now())`,
      demandVersion: sql`${trackerLinks.demandVersion} + 1`,
      updatedAt: sql`now()`,
    })
    .where(
      and(inArray(trackerLinks.featureId, [...featureIds]), inArray(trackerLinks.state, LIVE_LINK_STATES)),
    )
    .returning({ ...DIRTY_LINK_COLUMNS, featureId: trackerLinks.featureId });
  return rows.map(({ featureId, ...link }) => ({ featureId, link }));
}

/** The features' first links, each to its routed target: written before any tracker call, with its idempotency key. */
export async function insertPrimaryLinks(
  tx: Tx,
  links: ReadonlyArray<{ featureId: string; target: PushTarget }>,
): Promise<void> {
  if (links.length === 0) return;
  await tx
    .insert(trackerLinks)
    .values(
      links.map(({ featureId, target }) => ({
        featureId,
        kind: target.kind,
        site: siteOf(target),
        target,
        idempotencyKey: linkIdempotencyKey(featureId, target),
        primary: true,
      })),
    )
    .onConflictDoNothing();
}
