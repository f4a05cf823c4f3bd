import { and, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Demand, ScoreBreakdown } from '../rules/score.ts';
import type { Db } from './db.ts';
import type { Tx } from './feature-writes.ts';
import { companies, requests } from './schema.ts';

/**
 * A feature's demand as the score reads it, aggregated in SQL: one row per distinct requester and one per distinct
 * company (never one per request), for any number of features at once. The scoring itself is the caller's (the
 * application scores with rules/score.ts and its scoring model).
 */

/** A feature's score and its breakdown, from its demand at a moment. */
export type DemandScorer = (demand: Demand, now: Date) => { score: number; breakdown: ScoreBreakdown };

const epochMs = (column: typeof requests.receivedAt) =>
  sql<number>`(extract(epoch from max(${column})) * 1000)::float8`;

async function loadDemand(tx: Tx | Db, featureIds: readonly string[]): Promise<Map<string, Demand>> {
  const out = new Map<
    string,
    { requesters: Demand['requesters'][number][]; companies: Demand['companies'][number][] }
  >();
  const of = (featureId: string) => {
    let d = out.get(featureId);
    if (!d) {
      d = { requesters: [], companies: [] };
      out.set(featureId, d);
    }
    return d;
  };
  for (const id of featureIds) of(id);
  if (featureIds.length === 0) return out;
  const ids = [...featureIds];

  const byRequester = await tx
    .select({
      featureId: requests.featureId,
      requesterId: requests.requesterId,
      lastAt: epochMs(requests.receivedAt),
      important: sql<boolean>`bool_or(${requests.important})`,
    })
    .from(requests)
    .where(and(inArray(requests.featureId, ids), isNotNull(requests.requesterId)))
    .groupBy(requests.featureId, requests.requesterId);
  for (const r of byRequester) {
    if (!r.featureId || !r.requesterId) continue;
    of(r.featureId).requesters.push({
      requesterId: r.requesterId,
      lastRequestedAt: new Date(Number(r.lastAt)),
      important: r.important === true,
    });
  }

  const byCompany = await tx
    .select({
      featureId: requests.featureId,
      companyId: companies.id,
      name: companies.name,
      revenue: companies.revenue,
      tier: companies.tier,
      lastAt: epochMs(requests.receivedAt),
    })
    .from(requests)
    .innerJoin(companies, sql`${companies.id} = ${requests.companyId}`)
    .where(inArray(requests.featureId, ids))
    .groupBy(requests.featureId, companies.id);
  for (const c of byCompany) {
    if (!c.featureId) continue;
    of(c.featureId).companies.push({
      companyId: c.companyId,
      name: c.name,
      revenue: c.revenue,
      tier: c.tier,
      lastRequestedAt: new Date(Number(c.lastAt)),
    });
  }
  return out;
}

/**
 * Scores the features from their requests and writes score, breakdown and scored_at. The caller holds each
 * feature's row lock. Returns each feature's new score.
 */
export async function writeScores(
  tx: Tx,
  featureIds: readonly string[],
  scoreDemand: DemandScorer,
  now: Date,
): Promise<Array<{ featureId: string; score: number }>> {
  const demand = await loadDemand(tx, featureIds);
  const out: Array<{ featureId: string; score: number; breakdown: string }> = [];
  for (const [featureId, d] of demand) {
    const { score, breakdown } = scoreDemand(d, now);
    out.push({ featureId, score, breakdown: JSON.stringify(breakdown) });
  }
  if (out.length === 0) return [];
  // One statement for all of them; every caller holds their rows already (a recount's update, a locked page).
  const column = <T>(pick: (s: (typeof out)[number]) => T) => sql.param(out.map(pick));
  await tx.execute(sql`
    update features f set score = s.score, score_breakdown = s.breakdown, scored_at = ${now.toISOString()}::timestamptz
    from unnest(${column((s) => s.featureId)}::uuid[], ${column((s) => s.score)}::float8[],
                ${column((s) => s.breakdown)}::jsonb[]) as s(id, score, breakdown)
    where f.id = s.id`);
  return out.map(({ featureId, score }) => ({ featureId, score }));
}
