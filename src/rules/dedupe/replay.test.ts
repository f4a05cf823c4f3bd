import { describe, expect, it } from 'vitest';
import { createDedupeEngine } from './engine.ts';
import { replayStream } from './replay.ts';
import { quarterFigures } from './replay-figures.ts';

const engine = createDedupeEngine();

/**
 * A team that writes "tix" for tickets: sixteen features about tickets, then a duplicate of each in the team's
 * word. No built-in synonym knows it; only the answers can teach it.
 */
const THINGS = [
  'custom fields',
  'time tracking',
  'bulk edit',
  'tags',
  'priority field',
  'due dates',
  'attachments',
  'comments',
  'templates',
  'labels',
  'filters',
  'sorting',
  'search',
  'export',
  'assignees',
  'watchers',
];
const corpus = [
  ...THINGS.map((t, i) => ({ id: `o${i}`, title: `${t} on tickets`, body: '' })),
  // Other needs that share the feature words: a learned word must not merge them.
  { id: 'p1', title: 'custom fields on projects', body: '' },
  { id: 'p2', title: 'time tracking on projects', body: '' },
  ...THINGS.map((t, i) => ({ id: `d${i}`, title: `${t} for tix`, body: '' })),
  { id: 'q1', title: 'custom fields for projects', body: '' },
];
const queries = [
  ...THINGS.map((_, i) => ({ queryId: `d${i}`, targetId: `o${i}` })),
  { queryId: 'q1', targetId: 'p1' },
];

describe('replay of a stream answered by a simulated product owner', () => {
  it.each([
    [false, 0, 17],
    [true, 0.5, 8],
  ])(
    'learning %s: auto-merged at least %s of the duplicates, at most %s questions',
    async (learn, merged, asked) => {
      const { steps } = await replayStream(engine, corpus, queries, learn);
      const figures = quarterFigures(steps).all;
      expect(figures.duplicates).toBe(17);
      expect(figures.autoMerged.byFeature).toBeGreaterThanOrEqual(merged);
      expect(figures.questions).toBeLessThanOrEqual(asked);
      expect(figures.wrongMerges).toBe(0);
      expect(figures.precision.byFeature).toBe(1);
    },
  );

  it('learning asks fewer questions than the same engine without it, and the later quarters ask the fewest', async () => {
    const before = quarterFigures((await replayStream(engine, corpus, queries, false)).steps);
    const after = quarterFigures((await replayStream(engine, corpus, queries, true)).steps);
    expect(after.all.questions).toBeLessThan(before.all.questions);
    expect(after.quarters[3]?.autoMerged.byFeature).toBeGreaterThan(
      before.quarters[3]?.autoMerged.byFeature ?? 1,
    );
    expect(after.quarters[3]?.asked).toBeLessThan(after.quarters[2]?.asked ?? 0);
  });
});
