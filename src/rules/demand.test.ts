import { describe, expect, it } from 'vitest';
import * as demand from './demand.ts';
import { type PriorityThresholds, priorityFromScore } from './demand.ts';

describe('priorityFromScore (Linear: 1 urgent, 2 high, 3 medium, 4 low, 0 none)', () => {
  const withUrgent: PriorityThresholds = { urgent: 100, high: 50, medium: 20, low: 5 };
  const noUrgent: PriorityThresholds = { high: 50, medium: 20, low: 5 };

  it.each([
    [withUrgent, 250, 1],
    [withUrgent, 100, 1],
    [withUrgent, 99.9, 2],
    [withUrgent, 50, 2],
    [withUrgent, 20, 3],
    [withUrgent, 5, 4],
    [withUrgent, 4.99, 0],
    [withUrgent, 0, 0],
    [withUrgent, -3, 0],
    [withUrgent, Number.NaN, 0],
    [withUrgent, Number.POSITIVE_INFINITY, 1],
    [noUrgent, 1_000_000, 2],
    [noUrgent, 20, 3],
    [{ high: 10, medium: 10, low: 10 }, 10, 2],
    [{ high: 0, medium: 0, low: 0 }, 0, 2],
    [{ high: 5, medium: 20, low: 1 }, 10, 2],
  ] as const)('%j, score %d → %i', (thresholds, score, expected) => {
    expect(priorityFromScore(score, thresholds)).toBe(expected);
  });
});

describe('demand facade', () => {
  it('exposes both renderers, both replacers and the markers', () => {
    expect(Object.keys(demand).sort()).toEqual([
      'DEMAND_END',
      'DEMAND_TITLE',
      'adfPlainText',
      'demandAdf',
      'demandMarkdown',
      'escapeMarkdown',
      'priorityFromScore',
      'replaceDemandAdf',
      'replaceDemandMarkdown',
    ]);
  });
});
