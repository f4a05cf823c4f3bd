import { and, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { CarriedRequest, CustomerRequest, TrackerIssueRef } from '../connectors/tracker.ts';
import { type Db, queryRows } from './db.ts';
import { LIVE_LINK_STATES } from './feature-writes.ts';
import { companies, requesters, requests, trackerLinkRequests, trackerLinks } from './schema.ts';

/**
 * Which requests a link carries to its issue as customer requests (Linear), one per request per workspace: a
 * request's customer request lives on its feature's home link there (see `homeLinkOf`), and follows the request
 * when a merge or an unmerge moves it to another feature. A row keeps the issue its customer request was first
 * created on (`need_issue_id`, when that is not its link's issue): the tracker's id for it derives from that issue.
 */

type LinkPlace = { id: string; featureId: string; kind: 'jira' | 'linear'; site: string };

/** A link's issue, as the tracker names it. */
export interface LinkedIssue {
  linkId: string;
  ref: TrackerIssueRef;
}

/** Customer requests one link holds that belong on another link's issue (`to`), or nowhere (`to` undefined). */
export interface RequestMove {
  from: LinkedIssue;
  to: LinkedIssue | undefined;
  requests: CarriedRequest[];
}

/** A live link (of alias `l`) with an issue that still carries its mark: its customer requests count. */
const CARRYING = sql`l.state in ${sql.raw(`('${LIVE_LINK_STATES.join("','")}')`)}
  and l.issue_id is not null and l.mark_lost_at is null`;

/** Live links that speak for their feature in a workspace: an issue, its mark, and not closed as a duplicate. */
const HOME_CANDIDATE = sql`${CARRYING} and l.duplicate_of_link_id is null`;

/**
 * Where each feature's customer requests live in one workspace: its home link, the primary first, then the oldest.
 * Features with no such link are absent.
 */
async function homeLinksOf(
  db: Db,
  featureIds: readonly string[],
  place: Pick<LinkPlace, 'kind' | 'site'>,
): Promise<Map<string, LinkedIssue>> {
  if (featureIds.length === 0) return new Map();
  const rows = await queryRows<{
    id: string;
    feature_id: string;
    issue_id: string;
    issue_key: string | null;
    url: string | null;
  }>(
    db,
    sql`select distinct on (l.feature_id) l.id, l.feature_id, l.issue_id, l.issue_key, l.url
        from tracker_links l
        where l.feature_id in ${sql`(${sql.join(
          featureIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`} and l.kind = ${place.kind} and l.site = ${place.site} and ${HOME_CANDIDATE}
        order by l.feature_id, l."primary" desc, l.created_at, l.id`,
  );
  return new Map(
    rows.map((r) => [
      r.feature_id,
      {
        linkId: r.id,
        ref: {
          kind: place.kind,
          site: place.site,
          issueId: r.issue_id,
          issueKey: r.issue_key ?? '',
          url: r.url ?? '',
        },
      },
    ]),
  );
}

/** A request's customer-request fields, from its row and its company. */
function customerRequestOf(
  r: {
    id: string;
    title: string;
    body: string;
    url: string | null;
    company: {
      id: string;
      name: string | null;
      domain: string | null;
      revenue: number | null;
      tier: string | null;
    } | null;
  },
  featureUrl: (requestId: string) => string,
): CustomerRequest {
  return {
    requestId: r.id,
    text: r.body.trim() ? `${r.title}\n\n${r.body}` : r.title,
    url: r.url ?? featureUrl(r.id),
    company: r.company
      ? {
          id: r.company.id,
          name: r.company.name,
          domains: r.company.domain ? [r.company.domain] : [],
          revenue: r.company.revenue,
          tier: r.company.tier,
        }
      : null,
  };
}

/** Requests per `unpushedRequests` page: a push that gets a full page pushes again for the rest. */
export const UNPUSHED_PAGE_SIZE = 500;

/**
 * The feature's requests with no customer request in this workspace yet (the first `UNPUSHED_PAGE_SIZE`), when this link is the feature's home
 * link there (another link of the same workspace carries none: a request has one per workspace), or, for a link
 * about to create its issue (`issueId` null), when the feature has no home link there yet: the create carries them.
 */
async function unpushedRequests(
  db: Db,
  link: LinkPlace & { issueId: string | null },
  featureUrl: (requestId: string) => string,
): Promise<CustomerRequest[]> {
  const home = (await homeLinksOf(db, [link.featureId], link)).get(link.featureId)?.linkId;
  const homeToBe = home === undefined && link.issueId === null;
  if (home !== link.id && !homeToBe) return [];
  const carried = db
    .select({ id: trackerLinkRequests.requestId })
    .from(trackerLinkRequests)
    .innerJoin(trackerLinks, eq(trackerLinks.id, trackerLinkRequests.linkId))
    .where(
      and(
        eq(trackerLinks.kind, link.kind),
        eq(trackerLinks.site, link.site),
        inArray(trackerLinks.state, LIVE_LINK_STATES),
        isNotNull(trackerLinks.issueId),
        isNull(trackerLinks.markLostAt),
      ),
    );
  const rows = await db
    .select({
      id: requests.id,
      title: requests.title,
      body: requests.body,
      url: requests.url,
      company: {
        id: companies.id,
        name: companies.name,
        domain: companies.domain,
        revenue: companies.revenue,
        tier: companies.tier,
      },
    })
    .from(requests)
    .leftJoin(companies, eq(companies.id, requests.companyId))
    .where(and(eq(requests.featureId, link.featureId), sql`${requests.id} not in ${carried}`))
    .orderBy(requests.receivedAt, requests.id)
    .limit(UNPUSHED_PAGE_SIZE);
  return rows.map((r) => customerRequestOf(r, featureUrl));
}

/**
 * Customer requests that belong elsewhere now, that this link's push moves: the ones it holds whose request
 * left its feature (a merge or an unmerge moved it) or that it holds as a closed duplicate, and, when it is its
 * feature's home link, the ones other links of the workspace hold for its feature's requests. Each goes to the
 * home link of its request's feature, or nowhere when that feature has none or its home link holds the request
 * already.
 */
async function misplacedRequests(db: Db, link: LinkPlace): Promise<RequestMove[]> {
  const isHome = (await homeLinksOf(db, [link.featureId], link)).get(link.featureId)?.linkId === link.id;
  const rows = await queryRows<{
    request_id: string;
    feature_id: string;
    link_id: string;
    issue_id: string;
    issue_key: string | null;
    url: string | null;
    need_issue_id: string | null;
  }>(
    db,
    sql`select lr.request_id, r.feature_id, l.id as link_id, l.issue_id, l.issue_key, l.url, lr.need_issue_id
            from tracker_link_requests lr
            join tracker_links l on l.id = lr.link_id
            join requests r on r.id = lr.request_id
            where l.kind = ${link.kind} and l.site = ${link.site} and ${CARRYING}
              and (r.feature_id <> l.feature_id or l.duplicate_of_link_id is not null)
              and (l.id = ${link.id}${isHome ? sql` or r.feature_id = ${link.featureId}` : sql``})
            order by l.id, lr.request_id
            limit 500`,
  );
  const homes = await homeLinksOf(db, [...new Set(rows.map((r) => r.feature_id))], link);
  const held = await heldBy(db, rows, homes);
  const moves = new Map<string, RequestMove>();
  for (const row of rows) {
    const home = homes.get(row.feature_id);
    // Another link's row that belongs to another link again: that link's push (or its home's) moves it.
    if (row.link_id !== link.id && home?.linkId !== link.id) continue;
    const to = home && !held.has(`${home.linkId}:${row.request_id}`) ? home : undefined;
    const key = `${row.link_id}:${to?.linkId ?? ''}`;
    const ref = {
      kind: link.kind,
      site: link.site,
      issueId: row.issue_id,
      issueKey: row.issue_key ?? '',
      url: row.url ?? '',
    };
    const move = moves.get(key) ?? { from: { linkId: row.link_id, ref }, to, requests: [] };
    move.requests.push({
      requestId: row.request_id,
      createdOnIssueId: row.need_issue_id ?? row.issue_id,
    });
    moves.set(key, move);
  }
  return [...moves.values()];
}

/** Which of these rows' requests their home link holds already (`linkId:requestId`). */
async function heldBy(
  db: Db,
  rows: ReadonlyArray<{ request_id: string; feature_id: string }>,
  homes: ReadonlyMap<string, LinkedIssue>,
): Promise<Set<string>> {
  const linkIds = [...new Set([...homes.values()].map((h) => h.linkId))];
  if (linkIds.length === 0) return new Set();
  const held = await db
    .select({ linkId: trackerLinkRequests.linkId, requestId: trackerLinkRequests.requestId })
    .from(trackerLinkRequests)
    .where(
      and(
        inArray(trackerLinkRequests.linkId, linkIds),
        inArray(
          trackerLinkRequests.requestId,
          rows.map((r) => r.request_id),
        ),
      ),
    );
  return new Set(held.map((h) => `${h.linkId}:${h.requestId}`));
}

/**
 * An erasure of one of these requesters may have run while the push sent their words. The share lock waits
 * for it (it updates these rows, and sets `erased_at` only after that); a requester erased by then marks the
 * request for `erasedRequests` (pushed_at at the epoch), one erased later gets an `erased_at` after this.
 */
async function recordRequestsPushed(db: Db, linkId: string, requestIds: readonly string[]): Promise<void> {
  if (requestIds.length === 0) return;
  const ids = [...requestIds];
  await db.transaction(async (tx) => {
    await tx
      .select({ id: requests.id })
      .from(requests)
      .where(inArray(requests.id, ids))
      .orderBy(requests.id)
      .for('share');
    // A statement of its own: it sees an erasure the lock above waited for.
    const erased = await tx
      .select({ id: requests.id })
      .from(requests)
      .innerJoin(requesters, eq(requesters.id, requests.requesterId))
      .where(and(inArray(requests.id, ids), isNotNull(requesters.erasedAt)));
    const scrub = new Set(erased.map((r) => r.id));
    await tx
      .insert(trackerLinkRequests)
      .values(
        ids.map((requestId) => ({
          linkId,
          requestId,
          ...(scrub.has(requestId) ? { pushedAt: new Date(0) } : {}),
        })),
      )
      .onConflictDoNothing();
  });
}

/**
 * The tracker moved (or, with `to` undefined, deleted) these customer requests: their rows follow, keeping when
 * they were pushed (so an erasure not yet carried is still carried) and the issue they were created on. Safe to
 * repeat: rows already moved are not found again.
 */
async function recordRequestsMoved(
  db: Db,
  fromLinkId: string,
  to: LinkedIssue | undefined,
  moved: readonly CarriedRequest[],
): Promise<void> {
  if (moved.length === 0) return;
  const ids = moved.map((m) => m.requestId);
  await db.transaction(async (tx) => {
    const where = and(
      eq(trackerLinkRequests.linkId, fromLinkId),
      inArray(trackerLinkRequests.requestId, ids),
    );
    const rows = await tx.delete(trackerLinkRequests).where(where).returning();
    if (!to || rows.length === 0) return;
    const createdOn = new Map(moved.map((m) => [m.requestId, m.createdOnIssueId]));
    await tx
      .insert(trackerLinkRequests)
      .values(
        rows.map((r) => {
          const issueId = createdOn.get(r.requestId) ?? r.needIssueId;
          return {
            linkId: to.linkId,
            requestId: r.requestId,
            pushedAt: r.pushedAt,
            needIssueId: issueId === to.ref.issueId ? null : issueId,
          };
        }),
      )
      .onConflictDoNothing();
  });
}

/**
 * Requests this link carried as customer requests before their requester was erased: the tracker still shows
 * their words until `recordRequestsErased` (pushed_at then postdates the erasure).
 */
async function erasedRequests(db: Db, linkId: string): Promise<CarriedRequest[]> {
  const rows = await db
    .select({
      requestId: trackerLinkRequests.requestId,
      needIssueId: trackerLinkRequests.needIssueId,
      issueId: trackerLinks.issueId,
    })
    .from(trackerLinkRequests)
    .innerJoin(trackerLinks, eq(trackerLinks.id, trackerLinkRequests.linkId))
    .innerJoin(requests, eq(requests.id, trackerLinkRequests.requestId))
    .innerJoin(requesters, eq(requesters.id, requests.requesterId))
    .where(
      and(
        eq(trackerLinkRequests.linkId, linkId),
        isNotNull(requesters.erasedAt),
        lt(trackerLinkRequests.pushedAt, requesters.erasedAt),
      ),
    )
    .limit(500);
  return rows.map((r) => ({
    requestId: r.requestId,
    createdOnIssueId: r.needIssueId ?? r.issueId ?? '',
  }));
}

async function recordRequestsErased(db: Db, linkId: string, requestIds: readonly string[]): Promise<void> {
  if (requestIds.length === 0) return;
  await db
    .update(trackerLinkRequests)
    .set({ pushedAt: sql`now()` })
    .where(
      and(eq(trackerLinkRequests.linkId, linkId), inArray(trackerLinkRequests.requestId, [...requestIds])),
    );
}

/** The requests a push carries to the issue as customer requests, moves, and erases. */
export function createLinkRequestsRepo(db: Db) {
  return {
    unpushedRequests: (
      link: LinkPlace & { issueId: string | null },
      featureUrl: (requestId: string) => string,
    ) => unpushedRequests(db, link, featureUrl),
    misplacedRequests: (link: LinkPlace) => misplacedRequests(db, link),
    recordRequestsPushed: (linkId: string, requestIds: readonly string[]) =>
      recordRequestsPushed(db, linkId, requestIds),
    recordRequestsMoved: (
      fromLinkId: string,
      to: LinkedIssue | undefined,
      moved: readonly CarriedRequest[],
    ) => recordRequestsMoved(db, fromLinkId, to, moved),
    erasedRequests: (linkId: string) => erasedRequests(db, linkId),
    recordRequestsErased: (linkId: string, requestIds: readonly string[]) =>
      recordRequestsErased(db, linkId, requestIds),
  };
}
