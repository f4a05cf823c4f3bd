import type { Candidate } from '../rules/dedupe/rank.ts';
import { titleKey } from '../rules/normalise.ts';
import type { StoreDedupeIndex } from '../store/dedupe-index.repo.ts';
import type { Tx } from '../store/feature-writes.ts';
import { liveFeaturesByTitleKeys, type TriagedRequest } from '../store/triage.repo.ts';

/**
 * What triage makes of the documents the index ranks for a request: its candidate features, and their evidence;
 * and the live features that have its title.
 */

/** Documents ranked per request: enough that the best few features are among them. */
export const CANDIDATE_DOCUMENTS = 30;

/** A candidate feature: its best-matching document's scores (a feature is as close as its closest request). */
export interface FeatureCandidate extends Candidate {
  documentId: string;
}

export function featureCandidates(ranked: readonly Candidate[], index: StoreDedupeIndex): FeatureCandidate[] {
  const seen = new Set<string>();
  const result: FeatureCandidate[] = [];
  for (const c of ranked) {
    const featureId = index.featureOf(c.id);
    if (!featureId || seen.has(featureId)) continue;
    seen.add(featureId);
    result.push({ ...c, id: featureId, documentId: c.id });
  }
  return result;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** What a person reviewing the decision sees about one candidate. */
export function candidateEvidence(c: FeatureCandidate): Record<string, unknown> {
  return {
    featureId: c.id,
    documentId: c.documentId,
    confidence: round(c.confidence),
    similarity: round(c.similarity),
    matchedTerms: c.evidence.matchedTerms,
    typos: c.evidence.typos,
    opposites: c.evidence.opposites,
    bm25: round(c.evidence.bm25Norm),
    titleTerms: round(c.evidence.titleTerms),
    titleGrams: round(c.evidence.titleGrams),
  };
}

/** The live features of each title key, with their stored request counts. */
export type TitleFeatures = Map<string, Array<{ id: string; requestCount: number }>>;

export async function titlesOf(tx: Tx, requests: readonly TriagedRequest[]): Promise<TitleFeatures> {
  const keys = [...new Set(requests.map((r) => titleKey(r.title)).filter((k) => k))];
  const titles: TitleFeatures = new Map();
  for (const f of await liveFeaturesByTitleKeys(tx, keys)) {
    titles.set(f.titleKey, [...(titles.get(f.titleKey) ?? []), { id: f.id, requestCount: f.requestCount }]);
  }
  return titles;
}

/**
 * The live feature with this title key, the most requested first (then the lowest id, as the database orders
 * uuids): counting the requests a batch attached (`gained`), as one-by-one triage, which recounts after each, would.
 */
export function sameTitleFeature(
  titles: TitleFeatures,
  gained: ReadonlyMap<string, number>,
  key: string,
): string | undefined {
  let best: { id: string; requests: number } | undefined;
  for (const f of titles.get(key) ?? []) {
    const requests = f.requestCount + (gained.get(f.id) ?? 0);
    if (!best || requests > best.requests || (requests === best.requests && f.id < best.id)) {
      best = { id: f.id, requests };
    }
  }
  return best?.id;
}
