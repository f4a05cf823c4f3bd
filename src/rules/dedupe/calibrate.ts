import type { DedupeThresholds } from './engine.ts';
import type { LearnedEvidence } from './learned.ts';

/**
 * The thresholds an installation's own answers support. Auto-merge: the lowest merge confidence at which the
 * answered pairs at or above it were merges at least `target` of the time. Review: the highest candidate
 * confidence below which the answered pairs were dismissals at least `target` of the time (asking about them
 * finds a duplicate less than once in twenty). Neither moves past its prior (the configured threshold) towards
 * more merges or fewer questions until the pairs it is measured on number `minimumAnswers`.
 */
export interface CalibrationOptions {
  /** The share of right answers a threshold must keep: merges above auto-merge, dismissals below review. */
  target: number;
}

export const DEFAULT_CALIBRATION_OPTIONS: CalibrationOptions = { target: 0.95 };

/**
 * With n answered pairs and none of them wrong, the 95% upper confidence bound on the wrong share is about 3 / n
 * (the "rule of three"). Below 3 / (1 − target) pairs (60 for 0.95) even a perfect record cannot show that the
 * wrong share stays under 1 − target, so a threshold measured on fewer pairs keeps its prior.
 */
export const minimumAnswers = (target: number) => Math.ceil(3 / (1 - target));

type Source = 'prior' | 'answers';

/** One threshold in use, and why: its prior, what it was measured on, and the share of right answers there. */
interface ThresholdInUse {
  value: number;
  prior: number;
  source: Source;
  /** Answered pairs on the far side of the value (at or above auto-merge, below review). */
  measuredOn: number;
  /** Of those, the share answered the way the threshold assumes (merge above, dismiss below); null: none. */
  rightShare: number | null;
}

/** The numbers in use and why: data for a stats page, not prose. */
export interface ThresholdsInUse {
  target: number;
  minimumAnswers: number;
  answers: number;
  merges: number;
  dismissals: number;
  autoMerge: ThresholdInUse;
  review: ThresholdInUse;
}

interface Scored {
  score: number;
  right: boolean;
}

/**
 * Walks the pairs from the far end towards the prior and returns the last score (the farthest from the far end)
 * at which the pairs walked so far number at least `minimum` and are right at least `target` of the time.
 */
function farthestSupported(
  sorted: readonly Scored[],
  minimum: number,
  target: number,
): { score: number; n: number; right: number } | undefined {
  let right = 0;
  let found: { score: number; n: number; right: number } | undefined;
  for (const [i, p] of sorted.entries()) {
    if (p.right) right++;
    const n = i + 1;
    // Ties are one threshold: decide at the last pair of the same score.
    if (sorted[i + 1]?.score === p.score) continue;
    if (n >= minimum && right / n >= target) found = { score: p.score, n, right };
  }
  return found;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function autoMergeInUse(scores: LearnedEvidence['scores'], prior: number, target: number, minimum: number) {
  const pairs = scores
    .map((s) => ({ score: s.confidence, right: s.merge }))
    .sort((a, b) => b.score - a.score);
  const found = farthestSupported(pairs, minimum, target);
  const above = pairs.filter((p) => p.score >= prior);
  if (found && found.score < prior) {
    return {
      value: found.score,
      prior,
      source: 'answers' as Source,
      measuredOn: found.n,
      rightShare: round(found.right / found.n),
    };
  }
  return {
    value: prior,
    prior,
    source: 'prior' as Source,
    measuredOn: above.length,
    rightShare: above.length ? round(above.filter((p) => p.right).length / above.length) : null,
  };
}

function reviewInUse(scores: LearnedEvidence['scores'], prior: number, target: number, minimum: number) {
  const pairs = scores.map((s) => ({ score: s.own, right: !s.merge })).sort((a, b) => a.score - b.score);
  const found = farthestSupported(pairs, minimum, target);
  // Review asks about pairs at or above the value: the supported pairs are below it, so it sits just above them.
  const next = found && (pairs.find((p) => p.score > found.score)?.score ?? found.score + 0.001);
  if (found && next && next > prior) {
    return {
      value: next,
      prior,
      source: 'answers' as Source,
      measuredOn: found.n,
      rightShare: round(found.right / found.n),
    };
  }
  const below = pairs.filter((p) => p.score < prior);
  return {
    value: prior,
    prior,
    source: 'prior' as Source,
    measuredOn: below.length,
    rightShare: below.length ? round(below.filter((p) => p.right).length / below.length) : null,
  };
}

/** The thresholds in use for this installation, from its answers and the configured thresholds as the prior. */
export function calibrateThresholds(
  evidence: LearnedEvidence,
  prior: DedupeThresholds,
  options: CalibrationOptions = DEFAULT_CALIBRATION_OPTIONS,
): ThresholdsInUse {
  const { target } = options;
  const minimum = minimumAnswers(target);
  const merges = evidence.scores.filter((s) => s.merge).length;
  return {
    target,
    minimumAnswers: minimum,
    answers: evidence.scores.length,
    merges,
    dismissals: evidence.scores.length - merges,
    autoMerge: autoMergeInUse(evidence.scores, prior.autoMerge, target, minimum),
    review: reviewInUse(evidence.scores, prior.review, target, minimum),
  };
}

/** The two numbers `decide` compares with. */
export const thresholdsOf = (inUse: ThresholdsInUse): DedupeThresholds => ({
  autoMerge: inUse.autoMerge.value,
  review: inUse.review.value,
});
