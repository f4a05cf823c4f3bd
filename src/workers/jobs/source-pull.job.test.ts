import { describe, expect, it } from 'vitest';
import { authBackoffMs } from './source-pull.job.ts';

describe('authBackoffMs', () => {
  it.each([
    [0, 300, 0],
    [1, 300, 0],
    [2, 300, 600_000],
    [3, 300, 1_200_000],
    [4, 300, 2_400_000],
    [5, 300, 3_600_000],
    [20, 300, 3_600_000],
    [2, 5, 10_000],
  ])('%i failures every %i s → wait %i ms', (failures, every, ms) => {
    expect(authBackoffMs(failures, every)).toBe(ms);
  });
});
