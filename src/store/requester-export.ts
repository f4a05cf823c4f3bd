import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import {
  companies,
  features,
  mailSuppressions,
  notifications,
  requesters,
  requests,
  trackerLinkRequests,
  trackerLinks,
  triageDecisions,
  unsubscribes,
} from './schema.ts';

/**
 * Everything the service holds about one requester, for `GET /v1/requesters/:id/export` (a subject access
 * request). Message bodies are not stored (they are rendered when sent), so notifications are listed by what was
 * announced, its state and when; the feature each request is in is shown as it is now.
 */
export interface RequesterExport {
  exportedAt: string;
  requester: {
    id: string;
    email: string;
    name: string | null;
    externalId: string | null;
    notifyDigest: boolean;
    erasedAt: string | null;
    createdAt: string;
    updatedAt: string;
  };
  company: {
    id: string;
    name: string | null;
    domain: string | null;
    revenue: number | null;
    tier: string | null;
  } | null;
  requests: Array<{
    id: string;
    source: string;
    sourceRef: string | null;
    title: string;
    body: string;
    url: string | null;
    tags: string[];
    important: boolean;
    submitted: Record<string, unknown>;
    receivedAt: string;
    featureId: string | null;
    triage: {
      featureId: string;
      action: string;
      method: string;
      score: number;
      decidedAt: string;
    } | null;
  }>;
  features: Array<{
    id: string;
    title: string;
    status: string;
    mergedIntoId: string | null;
    trackerIssues: Array<{ tracker: string; issueKey: string | null; url: string | null; state: string }>;
  }>;
  notifications: Array<{
    id: string;
    featureId: string;
    requestId: string | null;
    channel: string;
    status: string;
    state: string;
    reason: string | null;
    createdAt: string;
    sentAt: string | null;
  }>;
  unsubscribes: Array<{ featureId: string | null; via: string; createdAt: string }>;
  /** Whether mail to this address is suppressed (a hard bounce or complaint), and why. */
  suppression: { reason: string; since: string } | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

type RequesterRow = typeof requesters.$inferSelect;
type RequestRow = {
  request: typeof requests.$inferSelect;
  decision: typeof triageDecisions.$inferSelect | null;
};

/** The requester's requests with their triage decisions, and (not triaged yet) those sent with their address. */
function requestsOf(db: Db, requester: RequesterRow): Promise<RequestRow[]> {
  return db
    .select({ request: requests, decision: triageDecisions })
    .from(requests)
    .leftJoin(triageDecisions, eq(triageDecisions.requestId, requests.id))
    .where(
      or(
        eq(requests.requesterId, requester.id),
        // Not triaged yet: theirs by the address they were sent with.
        and(
          isNull(requests.requesterId),
          sql`lower(trim(${requests.submittedRequester}->>'email')) = ${requester.emailKey}`,
        ),
      ),
    )
    .orderBy(asc(requests.receivedAt), asc(requests.id));
}

function featuresOf(db: Db, featureIds: string[]) {
  return featureIds.length > 0
    ? db
        .select({
          id: features.id,
          title: features.title,
          status: features.status,
          mergedIntoId: features.mergedIntoId,
        })
        .from(features)
        .where(inArray(features.id, featureIds))
        .orderBy(asc(features.id))
    : [];
}

/**
 * The issues that show (or showed) these requests: the features' links, and any link that carried one of them as
 * a customer request.
 */
function issuesOf(db: Db, featureIds: string[], requestIds: string[]) {
  return featureIds.length > 0 || requestIds.length > 0
    ? db
        .selectDistinct({
          featureId: trackerLinks.featureId,
          tracker: trackerLinks.kind,
          issueKey: trackerLinks.issueKey,
          url: trackerLinks.url,
          state: trackerLinks.state,
        })
        .from(trackerLinks)
        .leftJoin(trackerLinkRequests, eq(trackerLinkRequests.linkId, trackerLinks.id))
        .where(
          or(
            featureIds.length > 0 ? inArray(trackerLinks.featureId, featureIds) : undefined,
            requestIds.length > 0 ? inArray(trackerLinkRequests.requestId, requestIds) : undefined,
          ),
        )
    : [];
}

function exportedRequester(requester: RequesterRow): RequesterExport['requester'] {
  return {
    id: requester.id,
    email: requester.email,
    name: requester.name,
    externalId: requester.externalId,
    notifyDigest: requester.notifyDigest,
    erasedAt: iso(requester.erasedAt),
    createdAt: requester.createdAt.toISOString(),
    updatedAt: requester.updatedAt.toISOString(),
  };
}

function exportedCompany(company: typeof companies.$inferSelect | null): RequesterExport['company'] {
  return company
    ? {
        id: company.id,
        name: company.name,
        domain: company.domain,
        revenue: company.revenue,
        tier: company.tier,
      }
    : null;
}

function exportedRequest({ request: r, decision: d }: RequestRow): RequesterExport['requests'][number] {
  return {
    id: r.id,
    source: r.source,
    sourceRef: r.sourceRef,
    title: r.title,
    body: r.body,
    url: r.url,
    tags: r.tags,
    important: r.important,
    submitted: r.submittedRequester as unknown as Record<string, unknown>,
    receivedAt: r.receivedAt.toISOString(),
    featureId: r.featureId,
    triage: d
      ? {
          featureId: d.featureId,
          action: d.action,
          method: d.method,
          score: d.score,
          decidedAt: d.createdAt.toISOString(),
        }
      : null,
  };
}

function exportedNotification(
  n: typeof notifications.$inferSelect,
): RequesterExport['notifications'][number] {
  return {
    id: n.id,
    featureId: n.featureId,
    requestId: n.requestId,
    channel: n.channel,
    status: n.status,
    state: n.state,
    reason: n.reason,
    createdAt: n.createdAt.toISOString(),
    sentAt: iso(n.sentAt),
  };
}

export async function exportRequester(db: Db, requesterId: string): Promise<RequesterExport | undefined> {
  const [row] = await db
    .select({ requester: requesters, company: companies })
    .from(requesters)
    .leftJoin(companies, eq(companies.id, requesters.companyId))
    .where(eq(requesters.id, requesterId));
  if (!row) return undefined;
  const { requester, company } = row;

  const requestRows = await requestsOf(db, requester);
  const requestIds = requestRows.map((r) => r.request.id);
  const featureIds = [
    ...new Set(requestRows.flatMap((r) => (r.request.featureId ? [r.request.featureId] : []))),
  ];

  const [featureRows, issueRows, notificationRows, unsubscribeRows, suppression] = await Promise.all([
    featuresOf(db, featureIds),
    issuesOf(db, featureIds, requestIds),
    db
      .select()
      .from(notifications)
      .where(eq(notifications.requesterId, requesterId))
      .orderBy(asc(notifications.createdAt), asc(notifications.id)),
    db
      .select()
      .from(unsubscribes)
      .where(eq(unsubscribes.requesterId, requesterId))
      .orderBy(asc(unsubscribes.createdAt)),
    db.select().from(mailSuppressions).where(eq(mailSuppressions.emailKey, requester.emailKey)),
  ]);

  return {
    exportedAt: new Date().toISOString(),
    requester: exportedRequester(requester),
    company: exportedCompany(company),
    requests: requestRows.map(exportedRequest),
    features: featureRows.map((f) => ({
      ...f,
      trackerIssues: issueRows
        .filter((i) => i.featureId === f.id)
        .map((i) => ({ tracker: i.tracker, issueKey: i.issueKey, url: i.url, state: i.state })),
    })),
    notifications: notificationRows.map(exportedNotification),
    unsubscribes: unsubscribeRows.map((u) => ({
      featureId: u.featureId,
      via: u.via,
      createdAt: u.createdAt.toISOString(),
    })),
    suppression: suppression[0]
      ? { reason: suppression[0].reason, since: suppression[0].createdAt.toISOString() }
      : null,
  };
}
