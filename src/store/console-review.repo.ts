import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import type { Tx } from './feature-writes.ts';
import { features, requests, triageDecisions } from './schema.ts';

/**
 * What the console's review page reads beside the queue itself (review.repo.ts): where an item stands now, a few
 * of each feature's requests, and the runner-up triage saw. Reads only; answers go through the application.
 */

/** Requests shown per feature of a pair; the rest are counted. */
export const REQUESTS_SHOWN = 3;

/** Still waiting for a person: not merged, not dismissed. */
const pending = and(
  sql`${features.possibleDuplicateOfId} is not null`,
  isNull(features.reviewedAt),
  isNull(features.mergedIntoId),
);

/**
 * The candidate of a feature still waiting for review, its row locked until the transaction ends (so an answer
 * and a merge of the same feature take turns); undefined when it is not waiting.
 */
export async function reviewCandidateOf(tx: Tx, featureId: string): Promise<string | undefined> {
  const [row] = await tx
    .select({ candidateId: features.possibleDuplicateOfId })
    .from(features)
    .where(and(eq(features.id, featureId), pending))
    .for('update');
  return row?.candidateId ?? undefined;
}

/** Where a review item stands now: its candidate while it waits, nothing once someone answered it. */
export async function pendingReviewOf(
  db: Db,
  featureId: string,
): Promise<{ candidateId: string } | undefined> {
  const [row] = await db
    .select({ candidateId: features.possibleDuplicateOfId })
    .from(features)
    .where(and(eq(features.id, featureId), pending));
  return row?.candidateId ? { candidateId: row.candidateId } : undefined;
}

export interface RequestSample {
  id: string;
  title: string;
  body: string;
}

/** The first few requests of each feature (oldest first), by feature id. */
export async function requestSamples(
  db: Db,
  featureIds: readonly string[],
): Promise<Map<string, RequestSample[]>> {
  const byFeature = new Map<string, RequestSample[]>();
  if (featureIds.length === 0) return byFeature;
  const ranked = db
    .select({
      id: requests.id,
      featureId: requests.featureId,
      title: requests.title,
      body: requests.body,
      rank: sql<number>`row_number() over (partition by ${requests.featureId} order by ${requests.receivedAt}, ${requests.id})`.as(
        'rank',
      ),
    })
    .from(requests)
    .where(inArray(requests.featureId, [...featureIds]))
    .as('ranked');
  const rows = await db
    .select()
    .from(ranked)
    .where(sql`${ranked.rank} <= ${REQUESTS_SHOWN}`)
    .orderBy(ranked.featureId, ranked.rank);
  for (const row of rows) {
    if (!row.featureId) continue;
    const list = byFeature.get(row.featureId) ?? [];
    list.push({ id: row.id, title: row.title, body: row.body });
    byFeature.set(row.featureId, list);
  }
  return byFeature;
}

export interface RunnerUp {
  id: string;
  title: string;
  /** The runner-up's own confidence, when triage kept it among the candidates. */
  confidence: number | null;
}

/**
 * The runner-up triage weighed when it started each feature: read off the decision of the request the feature is
 * named after (the feature's own evidence keeps only the best candidate).
 */
export async function runnerUpsOf(db: Db, featureIds: readonly string[]): Promise<Map<string, RunnerUp>> {
  const found = new Map<string, RunnerUp>();
  if (featureIds.length === 0) return found;
  const decisions = await db
    .select({ featureId: features.id, evidence: triageDecisions.evidence })
    .from(features)
    .innerJoin(triageDecisions, eq(triageDecisions.requestId, features.titleRequestId))
    .where(inArray(features.id, [...featureIds]));
  const wanted = new Map<string, { runnerUp: string; confidence: number | null }>();
  for (const { featureId, evidence } of decisions) {
    const runnerUp = evidence['runnerUp'];
    if (typeof runnerUp !== 'string') continue;
    const candidates = Array.isArray(evidence['candidates']) ? evidence['candidates'] : [];
    const entry = candidates.find(
      (c): c is { confidence?: unknown } =>
        typeof c === 'object' && c !== null && (c as { featureId?: unknown }).featureId === runnerUp,
    );
    wanted.set(featureId, {
      runnerUp,
      confidence: typeof entry?.confidence === 'number' ? entry.confidence : null,
    });
  }
  const ids = [...new Set([...wanted.values()].map((w) => w.runnerUp))];
  if (ids.length === 0) return found;
  const titles = await db
    .select({ id: features.id, title: features.title })
    .from(features)
    .where(inArray(features.id, ids));
  const titleOf = new Map(titles.map((t) => [t.id, t.title]));
  for (const [featureId, { runnerUp, confidence }] of wanted) {
    const title = titleOf.get(runnerUp);
    if (title !== undefined) found.set(featureId, { id: runnerUp, title, confidence });
  }
  return found;
}
