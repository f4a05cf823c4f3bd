import { DEFAULT_CALIBRATION_OPTIONS } from './calibrate.ts';
import type { StreamStep } from './replay.ts';

/** A share counted per document (the labelled original itself) and by feature (the product's figure). */
interface Both {
  perDocument: number;
  byFeature: number;
}

/** The figures of one stretch of the stream. */
export interface StreamFigures {
  requests: number;
  duplicates: number;
  /** Of the duplicates, the share merged into their need without a question. */
  autoMerged: Both;
  /** Of the auto-merges (of any request), the share into the request's need; 1 when nothing was merged. */
  precision: Both;
  /** Of the duplicates, the share a person was asked about. */
  asked: number;
  /** Questions asked about any request (duplicates and not). */
  questions: number;
  /** Of the duplicates asked about, the share whose candidate shown was right; null when none was asked. */
  firstCandidateRight: { perDocument: number | null; byFeature: number | null };
  /** Auto-merges into another need. */
  wrongMerges: number;
  /**
   * In hindsight, by feature: the largest share of the duplicates that any one merge-confidence threshold would have
   * merged into their need in this stretch while keeping auto-merge precision at `target` or above (each request
   * decided against the features the replay held, its own decision aside). What no calibration of the threshold can
   * beat: the rest is a matter of how well the scores separate right candidates from wrong ones.
   */
  ceiling: { share: number; threshold: number | null };
}

/** The auto-merge precision the hindsight ceiling keeps, unless told otherwise (calibrate.ts's target). */
const DEFAULT_TARGET = DEFAULT_CALIBRATION_OPTIONS.target;

const round = (x: number) => Math.round(x * 1000) / 1000;
const share = (x: number, of: number) => (of ? round(x / of) : 0);

/**
 * Walks the steps from the most confident down and keeps the deepest cut (ties are one threshold) at which the
 * auto-merges above it would be right at least `target` of the time.
 */
export function hindsightCeiling(
  steps: readonly StreamStep[],
  target: number,
): { share: number; threshold: number | null } {
  const duplicates = steps.filter((s) => s.duplicate).length;
  const sorted = steps.filter((s) => s.confidence > 0).sort((a, b) => b.confidence - a.confidence);
  let right = 0;
  let rightDuplicates = 0;
  let best = { share: 0, threshold: null as number | null };
  for (const [i, s] of sorted.entries()) {
    if (s.rightFeature) right += 1;
    if (s.rightFeature && s.duplicate) rightDuplicates += 1;
    if (sorted[i + 1]?.confidence === s.confidence) continue;
    if (right / (i + 1) >= target && rightDuplicates > best.share * duplicates) {
      best = { share: share(rightDuplicates, duplicates), threshold: round(s.confidence) };
    }
  }
  return best;
}

export function streamFigures(steps: readonly StreamStep[], target = DEFAULT_TARGET): StreamFigures {
  const duplicates = steps.filter((s) => s.duplicate);
  const merged = steps.filter((s) => s.action === 'merge');
  const asked = duplicates.filter((s) => s.action === 'review');
  const count = (xs: readonly StreamStep[], f: (s: StreamStep) => boolean) => xs.filter(f).length;
  const doc = (s: StreamStep) => s.rightDocument;
  const feature = (s: StreamStep) => s.rightFeature;
  const mergedDuplicates = merged.filter((s) => s.duplicate);
  return {
    requests: steps.length,
    duplicates: duplicates.length,
    autoMerged: {
      perDocument: share(count(mergedDuplicates, doc), duplicates.length),
      byFeature: share(count(mergedDuplicates, feature), duplicates.length),
    },
    // No merge at all is no wrong merge.
    precision: {
      perDocument: merged.length ? share(count(merged, doc), merged.length) : 1,
      byFeature: merged.length ? share(count(merged, feature), merged.length) : 1,
    },
    asked: share(asked.length, duplicates.length),
    questions: count(steps, (s) => s.action === 'review'),
    firstCandidateRight: {
      perDocument: asked.length ? share(count(asked, doc), asked.length) : null,
      byFeature: asked.length ? share(count(asked, feature), asked.length) : null,
    },
    wrongMerges: count(merged, (s) => !s.rightFeature),
    ceiling: hindsightCeiling(steps, target),
  };
}

/** The figures per quarter of the stream (by arrival), and of the whole stream. */
export function quarterFigures(
  steps: readonly StreamStep[],
  target = DEFAULT_TARGET,
): {
  quarters: StreamFigures[];
  all: StreamFigures;
} {
  const quarters = [0, 1, 2, 3].map((q) =>
    streamFigures(
      steps.slice(Math.floor((q * steps.length) / 4), Math.floor(((q + 1) * steps.length) / 4)),
      target,
    ),
  );
  return { quarters, all: streamFigures(steps, target) };
}

/** The quarters side by side, per document / by feature, for a person reading the terminal. */
export function quarterTable(
  title: string,
  figures: { quarters: StreamFigures[]; all: StreamFigures },
): string {
  const pair = (b: { perDocument: number | null; byFeature: number | null }) =>
    `${b.perDocument === null ? '  -  ' : b.perDocument.toFixed(3)} / ${b.byFeature === null ? '  -  ' : b.byFeature.toFixed(3)}`;
  const head = `${title}\n${'stretch'.padEnd(9)}${'dups'.padStart(6)}  ${'auto-merged doc/feat'.padEnd(21)}${'precision doc/feat'.padEnd(20)}${'asked'.padStart(6)}  ${'1st candidate right doc/feat'.padEnd(29)}${'wrong'.padEnd(7)}ceiling (at threshold)\n`;
  const rows = [...figures.quarters, figures.all].map((f, i) => {
    const name = i < 4 ? `Q${i + 1}` : 'all';
    return `${name.padEnd(9)}${String(f.duplicates).padStart(6)}  ${pair(f.autoMerged).padEnd(21)}${pair(f.precision).padEnd(20)}${f.asked.toFixed(3).padStart(6)}  ${pair(f.firstCandidateRight).padEnd(29)}${String(f.wrongMerges).padEnd(7)}${f.ceiling.share.toFixed(3)} (${f.ceiling.threshold ?? '-'})\n`;
  });
  return head + rows.join('');
}
