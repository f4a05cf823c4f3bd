/**
 * Feature scoring: the demand behind a feature (who asks, for which accounts, how recently) as one number with
 * its breakdown. Pure; the store loads the demand and saves the result.
 */

/** The weights of the score, from `scoring:` in the YAML config. */
export interface ScoringModel {
  /** Per distinct requester. */
  requester: number;
}

export const DEFAULT_SCORING: ScoringModel = { requester: 1 };

/** One distinct requester behind a feature. */
export interface RequesterDemand {
  requesterId: string;
}

export interface FeatureScore {
  score: number;
  breakdown: Record<string, unknown>;
}

export function scoreFeature(requesters: readonly RequesterDemand[], model: ScoringModel): FeatureScore {
  const score = requesters.length * model.requester;
  return { score, breakdown: { requesters: score } };
}
