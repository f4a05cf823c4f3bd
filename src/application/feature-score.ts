import { type ScoringModel, scoreFeature } from '../rules/score.ts';
import type { DemandScorer } from '../store/feature-score.ts';
import { recountFeature as recountFeatureWith, type Tx } from '../store/feature-writes.ts';

/** Scores a feature's demand by the configured scoring model (rules/score.ts). */
export function demandScorer(scoring: ScoringModel): DemandScorer {
  return (demand, now) => scoreFeature(demand, scoring, now);
}

/**
 * Recomputes a feature's counts and its score by the scoring model, under the caller's lock on the feature row.
 */
export function recountFeature(
  tx: Tx,
  featureId: string,
  scoring: ScoringModel,
  now = new Date(),
): Promise<void> {
  return recountFeatureWith(tx, featureId, demandScorer(scoring), now);
}
