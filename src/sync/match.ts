/**
 * The triage seam: given a request and the candidate features the store retrieved for it, decide whether the
 * request joins one of them or starts a new feature. This first version matches exact normalised titles; the
 * similarity engine replaces `matchFeature` and the store's candidate retrieval, nothing else.
 */

export interface MatchInput {
  title: string;
  titleKey: string;
}

export interface FeatureCandidate {
  id: string;
  titleKey: string;
  requestCount: number;
}

export type MatchDecision =
  | { action: 'attach'; featureId: string; score: number; method: string; evidence: Record<string, unknown> }
  | { action: 'create'; score: number; method: string; evidence: Record<string, unknown> };

export function matchFeature(request: MatchInput, candidates: readonly FeatureCandidate[]): MatchDecision {
  const exact = candidates
    .filter((c) => c.titleKey === request.titleKey && request.titleKey !== '')
    // Deterministic choice when several match (possible once features can be created apart): the largest.
    .sort((a, b) => b.requestCount - a.requestCount || a.id.localeCompare(b.id));
  const best = exact[0];
  const evidence = { titleKey: request.titleKey, candidateIds: candidates.map((c) => c.id) };
  if (best) return { action: 'attach', featureId: best.id, score: 1, method: 'exact-title', evidence };
  return { action: 'create', score: 0, method: 'exact-title', evidence };
}
