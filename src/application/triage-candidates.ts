import type { Candidate } from '../rules/dedupe/rank.ts';
import type { StoreDedupeIndex } from '../store/dedupe-index.repo.ts';

/** What triage makes of the documents the index ranks for a request: its candidate features, and their evidence. */

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
