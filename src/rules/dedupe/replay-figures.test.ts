import { describe, expect, it } from 'vitest';
import type { StreamStep } from './replay.ts';
import { hindsightCeiling, streamFigures } from './replay-figures.ts';

/** A duplicate decided at this merge confidence, its candidate right or not (the action does not matter here). */
const step = (confidence: number, rightFeature: boolean, duplicate = true): StreamStep => ({
  duplicate,
  action: 'new',
  confidence,
  rightFeature,
  rightDocument: rightFeature,
});

/** Ten duplicates: right at 0.9 … 0.5, wrong at 0.45, right at 0.4 and 0.35, wrong at 0.3 and 0.2. */
const TEN = [
  ...[0.9, 0.8, 0.7, 0.6, 0.5].map((c) => step(c, true)),
  step(0.45, false),
  step(0.4, true),
  step(0.35, true),
  step(0.3, false),
  step(0.2, false),
];

describe('hindsight ceiling: the most one merge-confidence threshold could have merged at the target', () => {
  it.each([
    // At 1: everything above the first wrong candidate.
    [1, 0.5, 0.5],
    // At 0.85: 7 right of 8 down to 0.35 (0.875), not 7 of 9 at 0.3.
    [0.85, 0.7, 0.35],
    // At 0.75: still 0.35 (7 of 9 right at 0.3 is 0.78, but merges no more duplicates).
    [0.75, 0.7, 0.35],
  ])('target %s: share %s of the duplicates, threshold %s', (target, share, threshold) => {
    expect(hindsightCeiling(TEN, target)).toEqual({ share, threshold });
  });

  it('ties are one threshold: a wrong candidate at the same confidence as a right one counts against it', () => {
    const tied = [step(0.9, true), step(0.6, true), step(0.6, false)];
    expect(hindsightCeiling(tied, 0.95)).toEqual({ share: 0.333, threshold: 0.9 });
  });

  it('a wrong merge of a request that duplicates nothing counts against precision, and nothing for the share', () => {
    const steps = [step(0.9, true), step(0.8, false, false), step(0.7, true)];
    expect(hindsightCeiling(steps, 0.95)).toEqual({ share: 0.5, threshold: 0.9 });
    expect(hindsightCeiling(steps, 0.6)).toEqual({ share: 1, threshold: 0.7 });
  });

  it('nothing above the target, or no candidate at all: no threshold', () => {
    expect(hindsightCeiling([step(0.9, false), step(0.8, true)], 0.95)).toEqual({
      share: 0,
      threshold: null,
    });
    expect(hindsightCeiling([step(0, false)], 0.95)).toEqual({ share: 0, threshold: null });
  });

  it('is part of each stretch’s figures, at the target given', () => {
    expect(streamFigures(TEN, 0.85).ceiling).toEqual({ share: 0.7, threshold: 0.35 });
    expect(streamFigures(TEN).ceiling).toEqual({ share: 0.5, threshold: 0.5 });
  });
});
