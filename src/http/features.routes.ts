import type { z } from 'zod';
import type { ScoreBreakdown } from '../rules/score.ts';
import { auditForFeature } from '../store/audit.repo.ts';
import type { FeatureCursor } from '../store/features.repo.ts';
import type { TrackerLink } from '../store/links.repo.ts';
import type { features } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { decodeFeatureCursor, encodeFeatureCursor } from './feature-cursor.ts';
import { HttpProblem, validationProblem } from './problem.ts';
import type { RouteHandlers } from './route-table.ts';
import type { featureDetail, featureList, featureSummary, trackerLinkView } from './schemas.ts';

/** The API answers a cursor it did not make with a 400 naming it. */
function decodeCursor(sort: string, raw: string): FeatureCursor {
  const cursor = decodeFeatureCursor(sort, raw, sort !== 'score');
  if (cursor) return cursor;
  throw validationProblem([
    { field: 'cursor', in: 'query', detail: `cursor is not one this endpoint returned for sort=${sort}` },
  ]);
}

function summary(f: typeof features.$inferSelect): z.infer<typeof featureSummary> {
  return {
    id: f.id,
    title: f.title,
    status: f.status,
    score: f.score,
    requestCount: f.requestCount,
    requesterCount: f.requesterCount,
    companyCount: f.companyCount,
    lastRequestedAt: f.lastRequestedAt.toISOString(),
    createdAt: f.createdAt.toISOString(),
    updatedAt: f.updatedAt.toISOString(),
    links: { self: `/v1/features/${f.id}` },
  };
}

export function linkView(l: TrackerLink): z.infer<typeof trackerLinkView> {
  return {
    id: l.id,
    tracker: l.kind,
    site: l.site,
    state: l.state,
    issueKey: l.issueKey,
    url: l.url,
    trackerStatus: l.statusName,
    pushedAt: l.pushedAt?.toISOString() ?? null,
    awaitingPush: l.dirtySince !== null,
    lastError:
      l.lastErrorKind && l.lastError && l.lastErrorAt
        ? { kind: l.lastErrorKind, message: l.lastError, at: l.lastErrorAt.toISOString() }
        : null,
  };
}

/** A feature as GET /v1/features/:id shows it: its counts, score breakdown, merges, history, links and mail. */
async function featureView(store: Store, id: string): Promise<z.infer<typeof featureDetail> | undefined> {
  const found = await store.features.get(id);
  if (!found) return undefined;
  const links = await store.links.forFeature(found.feature.id);
  const history = await store.status.changes(found.feature.id);
  const merges = await store.status.merges(found.feature.id);
  const actions = await auditForFeature(store.db, found.feature.id);
  const f = found.feature;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    ...summary(found.feature),
    scoreBreakdown: found.feature.scoredAt
      ? (found.feature.scoreBreakdown as unknown as ScoreBreakdown)
      : null,
    scoredAt: found.feature.scoredAt?.toISOString() ?? null,
    mergedInto: found.feature.mergedIntoId,
    possibleDuplicate: f.possibleDuplicateOfId
      ? {
          of: f.possibleDuplicateOfId,
          confidence: f.possibleDuplicateScore ?? 0,
          reviewedAt: f.reviewedAt?.toISOString() ?? null,
          evidence: f.possibleDuplicateEvidence ?? {},
        }
      : null,
    merges: merges.map((m) => ({
      id: m.id,
      from: m.fromFeatureId,
      into: m.intoFeatureId,
      cause: m.cause,
      actor: m.actor,
      requestIds: m.requestIds,
      at: m.createdAt.toISOString(),
      undoneAt: m.undoneAt?.toISOString() ?? null,
    })),
    statusHistory: history.map((c) => ({
      from: c.fromStatus,
      to: c.toStatus,
      cause: c.cause,
      at: c.changedAt.toISOString(),
      issueKey: text(c.detail['issueKey']),
      trackerStatus: text(c.detail['trackerStatus']),
    })),
    actions: actions.map((a) => ({
      action: a.action,
      actor: a.actor,
      at: a.at.toISOString(),
      detail: a.detail,
    })),
    links: links.map(linkView),
    requests: found.requests.map((r) => ({ ...r, receivedAt: r.receivedAt.toISOString() })),
    notifications: await store.notifications.summary(found.feature.id),
  };
}

export function featuresHandlers({
  store,
}: {
  store: Store;
}): Pick<RouteHandlers, 'listFeatures' | 'getFeature'> {
  return {
    listFeatures: async ({ query: { sort, limit, cursor } }, _req, res) => {
      const after = cursor ? decodeCursor(sort, cursor) : undefined;
      const page = await store.features.list({ sort, limit, after });
      const nextCursor = page.next ? encodeFeatureCursor(sort, page.next) : null;
      const body: z.infer<typeof featureList> = {
        data: page.features.map(summary),
        nextCursor,
        links: { next: nextCursor ? `/v1/features?sort=${sort}&limit=${limit}&cursor=${nextCursor}` : null },
      };
      res.json(body);
    },

    getFeature: async ({ params: { id } }, _req, res) => {
      const view = await featureView(store, id);
      if (!view) throw new HttpProblem(404, 'not-found', 'Not found', `no feature with id ${id}`);
      res.json(view);
    },
  };
}
