import type { DedupeThresholds } from './engine.ts';
import type { LearnedEvidence } from './learned.ts';

/**
 * The thresholds an installation's own answers support. Auto-merge: the lowest merge confidence down to which the
 * answered pairs were merges at least `target` of the time. Review: the highest candidate confidence up to which
 * the answered pairs were dismissals at least `target` of the time (asking about them finds a duplicate less than
 * once in twenty). "At least `target` of the time" is read as a 95% one-sided lower confidence bound (Wilson), not
 * as the observed share, both over all the pairs past the threshold and over the `minimumAnswers` pairs nearest to
 * it, and the threshold moves from its prior (the configured value) one supported score at a time and stops at the
 * first that is not: the observed share at the lowest score that passes is optimistic, and answers stop coming
 * from the scores a threshold moves past (those pairs are merged, or never asked about), so a step too far is
 * never corrected by later answers.
 */
export interface CalibrationOptions {
  /** The share of right answers a threshold must keep: merges above auto-merge, dismissals below review. */
  target: number;
}

export const DEFAULT_CALIBRATION_OPTIONS: CalibrationOptions = { target: 0.95 };

/** z of a one-sided 95% confidence bound. */
const Z = 1.645;

/** Wilson lower confidence bound of a share of `right` in `n`. */
export function wilsonLower(right: number, n: number): number {
  if (n === 0) return 0;
  const p = right / n;
  const z2 = Z * Z;
  const centre = p + z2 / (2 * n);
  const spread = Z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return (centre - spread) / (1 + z2 / n);
}

/**
 * The fewest answered pairs whose bound can reach `target` even with none of them wrong: n / (n + z²) ≥ target,
 * so n ≥ z² × target / (1 − target), 52 for 0.95. With fewer, even a perfect record cannot show that fewer than
 * 1 − target of the merges would be wrong, so a threshold measured on fewer pairs keeps its prior.
 */
export const minimumAnswers = (target: number) => Math.ceil((Z * Z * target) / (1 - target));

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
 * Walks the pairs from the prior's side away from it and returns the last score reached while every score from
 * the `minimum`-th pair on is supported: the bound over all pairs walked, and over the last `minimum` of them,
 * at or above `target`.
 */
function farthestSupported(
  sorted: readonly Scored[],
  minimum: number,
  target: number,
): { score: number; n: number; right: number } | undefined {
  const rightBefore = [0];
  for (const p of sorted) rightBefore.push((rightBefore.at(-1) ?? 0) + (p.right ? 1 : 0));
  let found: { score: number; n: number; right: number } | undefined;
  for (const [i, p] of sorted.entries()) {
    const n = i + 1;
    // Ties are one threshold: decide at the last pair of the same score.
    if (n < minimum || sorted[i + 1]?.score === p.score) continue;
    const right = rightBefore[n] ?? 0;
    const nearest = right - (rightBefore[n - minimum] ?? 0);
    if (wilsonLower(right, n) < target || wilsonLower(nearest, minimum) < target) break;
    found = { score: p.score, n, right };
  }
  return found;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** A threshold read off the answers: `found` is the farthest supported score's walk. */
const fromAnswers = (value: number, prior: number, found: { n: number; right: number }): ThresholdInUse => ({
  value,
  prior,
  source: 'answers',
  measuredOn: found.n,
  rightShare: round(found.right / found.n),
});

/** A threshold kept at its prior, with the share of right answers among the pairs on its far side. */
const fromPrior = (prior: number, farSide: readonly Scored[]): ThresholdInUse => ({
  value: prior,
  prior,
  source: 'prior',
  measuredOn: farSide.length,
  rightShare: farSide.length ? round(farSide.filter((p) => p.right).length / farSide.length) : null,
});

function autoMergeInUse(scores: LearnedEvidence['scores'], prior: number, target: number, minimum: number) {
  const pairs = scores
    .map((s) => ({ score: s.confidence, right: s.merge }))
    .sort((a, b) => b.score - a.score);
  const found = farthestSupported(pairs, minimum, target);
  if (found && found.score < prior) return fromAnswers(found.score, prior, found);
  return fromPrior(
    prior,
    pairs.filter((p) => p.score >= prior),
  );
}

function reviewInUse(scores: LearnedEvidence['scores'], prior: number, target: number, minimum: number) {
  const pairs = scores.map((s) => ({ score: s.own, right: !s.merge })).sort((a, b) => a.score - b.score);
  const found = farthestSupported(pairs, minimum, target);
  // Review asks about pairs at or above the value: the supported pairs are below it, so it sits just above them.
  const next = found && (pairs.find((p) => p.score > found.score)?.score ?? found.score + 0.001);
  if (found && next && next > prior) return fromAnswers(next, prior, found);
  return fromPrior(
    prior,
    pairs.filter((p) => p.score < prior),
  );
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
