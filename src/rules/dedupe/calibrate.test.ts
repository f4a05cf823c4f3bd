import { describe, expect, it } from 'vitest';
import { calibrateThresholds, minimumAnswers, wilsonLower } from './calibrate.ts';
import { createDedupeEngine } from './engine.ts';
import { type DedupeAnswer, EMPTY_EVIDENCE, type LearnedEvidence, learnFrom } from './learned.ts';

const PRIOR = { autoMerge: 0.8, review: 0.5 };

/** `n` answered pairs with these scores. */
const pairs = (n: number, confidence: number, own: number, merge: boolean) =>
  Array.from({ length: n }, () => ({ confidence, own, merge }));

const evidence = (...groups: LearnedEvidence['scores'][]): LearnedEvidence => ({
  ...EMPTY_EVIDENCE,
  scores: groups.flat(),
});

describe('thresholds from the answers', () => {
  it('needs 52 answers for a 0.95 target: fewer, all right, cannot bound the wrong share under 5%', () => {
    expect(minimumAnswers(0.95)).toBe(52);
    expect(wilsonLower(51, 51)).toBeLessThan(0.95);
    expect(wilsonLower(52, 52)).toBeGreaterThanOrEqual(0.95);
    expect(minimumAnswers(0.99)).toBe(268);
  });

  it.each([
    ['no answers', evidence(), 0.8, 'prior'],
    ['51 merges, all right: too few', evidence(pairs(51, 0.6, 0.7, true)), 0.8, 'prior'],
    ['52 merges, all right', evidence(pairs(52, 0.6, 0.7, true)), 0.6, 'answers'],
    [
      '60 merges and 4 dismissals at one score',
      evidence(pairs(60, 0.6, 0.7, true), pairs(4, 0.6, 0.7, false)),
      0.8,
      'prior',
    ],
    [
      'right above 0.7, wrong below',
      evidence(pairs(120, 0.7, 0.8, true), pairs(30, 0.5, 0.6, false)),
      0.7,
      'answers',
    ],
    [
      // Over all pairs down to 0.5 the record is good (252 of 257), but the pairs nearest 0.6 are not: it stops.
      'a bad stretch below the good one, and a good one below that',
      evidence(pairs(200, 0.7, 0.8, true), pairs(5, 0.6, 0.7, false), pairs(52, 0.5, 0.6, true)),
      0.7,
      'answers',
    ],
    ['answers above the prior never raise it', evidence(pairs(80, 0.9, 0.9, true)), 0.8, 'prior'],
  ])('auto-merge with %s', (_, answers, expected, source) => {
    const inUse = calibrateThresholds(answers, PRIOR);
    expect(inUse.autoMerge).toMatchObject({ value: expected, source, prior: 0.8 });
    expect(inUse.autoMerge.value).toBeLessThanOrEqual(PRIOR.autoMerge);
  });

  it.each([
    ['no answers', evidence(), 0.5, 'prior'],
    [
      '51 dismissals low down: too few',
      evidence(pairs(51, 0.3, 0.55, false), pairs(10, 0.6, 0.7, true)),
      0.5,
      'prior',
    ],
    [
      '52 dismissals low down: review starts above them',
      evidence(pairs(52, 0.3, 0.55, false), pairs(10, 0.6, 0.7, true)),
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

  it.each([
    ['51 asked merges (too few) and 60 by hand', 51, 0.8, 'prior'],
    ['52 asked merges and 60 by hand', 52, 0.6, 'answers'],
  ])('counts only the answered questions: %s', (_, asked, expected, source) => {
    const engine = createDedupeEngine();
    const merge = (i: number, scores: Partial<DedupeAnswer>): DedupeAnswer => ({
      a: { title: `Request ${i}` },
      b: { title: `Feature ${i}` },
      featureIds: [`r${i}`, `f${i}`],
      answer: 'merge',
      at: '2026-12-01T00:00:00.000Z',
      ...scores,
    });
    const answers = [
      ...Array.from({ length: asked }, (_a, i) => merge(i, { confidence: 0.6, own: 0.7 })),
      ...Array.from({ length: 60 }, (_a, i) => merge(asked + i, {})),
    ];
    const inUse = calibrateThresholds(learnFrom(answers, engine.analyse), PRIOR);
    expect(inUse).toMatchObject({ answers: asked, merges: asked, dismissals: 0 });
    expect(inUse.autoMerge).toMatchObject({ value: expected, source });
  });

  it('says what the numbers were measured on, as data', () => {
    const inUse = calibrateThresholds(evidence(pairs(70, 0.65, 0.7, true), pairs(3, 0.5, 0.6, false)), PRIOR);
    expect(inUse).toMatchObject({
      target: 0.95,
      minimumAnswers: 52,
      answers: 73,
      merges: 70,
      dismissals: 3,
      autoMerge: { value: 0.65, source: 'answers', measuredOn: 70, rightShare: 1 },
    });
    expect(JSON.parse(JSON.stringify(inUse))).toEqual(inUse);
  });
});
