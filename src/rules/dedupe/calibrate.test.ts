import { describe, expect, it } from 'vitest';
import { calibrateThresholds, minimumAnswers } from './calibrate.ts';
import { EMPTY_EVIDENCE, type LearnedEvidence } from './learned.ts';

const PRIOR = { autoMerge: 0.8, review: 0.5 };

/** `n` answered pairs with these scores. */
const pairs = (n: number, confidence: number, own: number, merge: boolean) =>
  Array.from({ length: n }, () => ({ confidence, own, merge }));

const evidence = (...groups: LearnedEvidence['scores'][]): LearnedEvidence => ({
  ...EMPTY_EVIDENCE,
  scores: groups.flat(),
});

describe('thresholds from the answers', () => {
  it('needs 60 answers for a 0.95 target: fewer cannot show a wrong share under 5% (rule of three)', () => {
    expect(minimumAnswers(0.95)).toBe(60);
    expect(minimumAnswers(0.99)).toBe(300);
  });

  it.each([
    ['no answers', evidence(), 0.8, 'prior'],
    ['59 merges, all right: too few', evidence(pairs(59, 0.6, 0.7, true)), 0.8, 'prior'],
    ['60 merges, all right', evidence(pairs(60, 0.6, 0.7, true)), 0.6, 'answers'],
    [
      '60 merges and 4 dismissals at one score: 0.94 < 0.95',
      evidence(pairs(60, 0.6, 0.7, true), pairs(4, 0.6, 0.7, false)),
      0.8,
      'prior',
    ],
    [
      'right above 0.7, mostly wrong below: the lowest score that keeps 0.95',
      evidence(pairs(76, 0.7, 0.8, true), pairs(4, 0.7, 0.8, false), pairs(30, 0.5, 0.6, false)),
      0.7,
      'answers',
    ],
    [
      'answers above the prior never raise it past what they show',
      evidence(pairs(80, 0.9, 0.9, true)),
      0.8,
      'prior',
    ],
  ])('auto-merge with %s', (_, answers, expected, source) => {
    const inUse = calibrateThresholds(answers, PRIOR);
    expect(inUse.autoMerge).toMatchObject({ value: expected, source, prior: 0.8 });
    expect(inUse.autoMerge.value).toBeLessThanOrEqual(PRIOR.autoMerge);
  });

  it.each([
    ['no answers', evidence(), 0.5, 'prior'],
    [
      '59 dismissals low down: too few',
      evidence(pairs(59, 0.3, 0.55, false), pairs(10, 0.6, 0.7, true)),
      0.5,
      'prior',
    ],
    [
      '60 dismissals low down: review starts above them',
      evidence(pairs(60, 0.3, 0.55, false), pairs(10, 0.6, 0.7, true)),
      0.7,
      'answers',
    ],
    [
      'merges among the dismissals: asking still finds duplicates there',
      evidence(pairs(60, 0.3, 0.55, false), pairs(10, 0.3, 0.55, true)),
      0.5,
      'prior',
    ],
  ])('review with %s', (_, answers, expected, source) => {
    const inUse = calibrateThresholds(answers, PRIOR);
    expect(inUse.review).toMatchObject({ value: expected, source, prior: 0.5 });
    expect(inUse.review.value).toBeGreaterThanOrEqual(PRIOR.review);
  });

  it('says what the numbers were measured on, as data', () => {
    const inUse = calibrateThresholds(
      evidence(pairs(61, 0.65, 0.7, true), pairs(3, 0.65, 0.7, false)),
      PRIOR,
    );
    expect(inUse).toMatchObject({
      target: 0.95,
      minimumAnswers: 60,
      answers: 64,
      merges: 61,
      dismissals: 3,
      autoMerge: { value: 0.65, source: 'answers', measuredOn: 64, rightShare: 0.953 },
    });
    expect(JSON.parse(JSON.stringify(inUse))).toEqual(inUse);
  });
});
