import { describe, expect, it } from 'vitest';
import { createDedupeEngine } from './engine.ts';
import { type QueryOutcome, replay, summarise } from './evaluate.ts';
import { replayPools } from './evaluate-pools.ts';

const outcome = (
  queryId: string,
  targetId: string,
  top: { id: string; confidence: number; own?: number; sameText?: boolean; sameNeed?: boolean },
  rank: number,
  featureRank = rank,
): QueryOutcome => ({
  queryId,
  targetId,
  rank,
  featureRank,
  top: { sameText: false, sameNeed: top.id === targetId, own: top.confidence, ...top },
  topWithoutOriginal: 0,
});

const round = (x: number) => Math.round(x * 1000) / 1000;

const THRESHOLDS = { autoMerge: 0.8, review: 0.5 };

describe('dedupe-eval figures', () => {
  it('counts recall at k and MRR from where each original ranked', () => {
    const result = summarise(
      [
        outcome('q1', 't1', { id: 't1', confidence: 0.9 }, 1),
        outcome('q2', 't2', { id: 'x', confidence: 0.1 }, 3, 1),
        outcome('q3', 't3', { id: 'x', confidence: 0.1 }, 0, 6),
        outcome('q4', 't4', { id: 'x', confidence: 0.1 }, 7, 2),
      ],
      2,
      THRESHOLDS,
    );
    expect(result).toMatchObject({ 'R@1': 0.25, 'R@5': 0.5, 'R@10': 0.75, n: 4, excluded: 2 });
    expect(result.MRR).toBeCloseTo((1 + 1 / 3 + 1 / 7) / 4, 3);
    expect(result.byFeature).toMatchObject({ 'R@1': 0.5, 'R@5': 0.75, 'R@10': 1 });
    expect(result.byFeature.MRR).toBeCloseTo((1 + 1 + 1 / 6 + 1 / 2) / 4, 3);
  });

  it('by feature, a query finds its original through another labelled duplicate of it', async () => {
    const engine = createDedupeEngine();
    const corpus = [
      {
        id: 'original',
        title: 'Recurring invoices',
        body: 'Bill the same customers every month without retyping.',
      },
      {
        id: 'earlier-duplicate',
        title: 'Schedule invoices to send automatically every month',
        body: 'We send the same monthly invoices by hand to the same customers.',
      },
      { id: 'other', title: 'Dark mode for the dashboard', body: 'The dashboard is too bright at night.' },
      { id: 'another', title: 'Export reports to CSV', body: 'Finance wants the monthly report as a CSV.' },
      {
        id: 'query',
        title: 'Send monthly invoices automatically on a schedule',
        body: 'Every month we send the same invoices to the same customers by hand.',
      },
    ];
    const labels = [
      { queryId: 'query', targetId: 'original' },
      { queryId: 'earlier-duplicate', targetId: 'original' },
    ];
    const { outcomes } = await replay(engine, corpus, labels, false);
    const forQuery = outcomes.find((o) => o.queryId === 'query');
    // The earlier duplicate is the closer text: the original is not first by document, its feature is.
    expect(forQuery?.rank).not.toBe(1);
    expect(forQuery?.featureRank).toBe(1);
  });

  it('a merge into a labelled sibling or a word-for-word copy is the same need, not the labelled original', () => {
    const result = summarise(
      [
        outcome('q1', 't1', { id: 't1', confidence: 0.9 }, 1),
        // q2 and q1 are both labelled duplicates of t1: merging q2 into q1 joins t1's feature.
        outcome('q2', 't1', { id: 'q1', confidence: 0.9, sameNeed: true }, 2),
        // The same report filed twice under two ids.
        outcome('q3', 't3', { id: 'copy-of-q3', confidence: 0.9, sameText: true }, 2),
        outcome('q4', 't4', { id: 'unrelated', confidence: 0.9 }, 0),
        outcome('q5', 't5', { id: 'unrelated', confidence: 0.5 }, 0),
      ],
      0,
      THRESHOLDS,
    );
    expect(result.precision).toBe(0.25);
    expect(result.precisionSameNeed).toBe(0.75);
    expect(result.recall).toBe(0.2);
  });

  it('past only, a merge into a duplicate whose own pair was left out is still the right feature', async () => {
    const engine = createDedupeEngine();
    const corpus = [
      // Filed before its original: past only leaves this pair out (its original was not there yet).
      {
        id: 'early-duplicate',
        title: 'Calendar sync with Outlook drops recurring meetings',
        body: 'After syncing with Outlook our weekly recurring meetings are missing from the team calendar.',
      },
      {
        id: 'original',
        title: 'Two-way Outlook integration',
        body: 'Keep the team calendar and Outlook in step, series included.',
      },
      { id: 'other', title: 'Dark mode for the dashboard', body: 'The dashboard is too bright at night.' },
      { id: 'another', title: 'Export reports to CSV', body: 'Finance wants the monthly report as a CSV.' },
      {
        id: 'query',
        title: 'Outlook calendar sync drops recurring meetings',
        body: 'Our weekly recurring meetings go missing from the team calendar after syncing with Outlook.',
      },
    ];
    const labels = [
      { queryId: 'early-duplicate', targetId: 'original' },
      { queryId: 'query', targetId: 'original' },
    ];
    const { outcomes, excluded } = await replay(engine, corpus, labels, true);
    expect(excluded).toBe(1);
    expect(outcomes.map((o) => o.top?.id)).toEqual(['early-duplicate']);
    expect(outcomes[0]?.top?.confidence).toBeGreaterThanOrEqual(THRESHOLDS.autoMerge);
    const result = summarise(outcomes, excluded, THRESHOLDS);
    // Per document it missed the original; by feature it joined it, through the pair left out of the replay.
    expect(result.precision).toBe(0);
    expect(result.precisionSameNeed).toBe(1);
    expect(result.byFeature.recall).toBe(1);
  });

  it('review recall counts a merge or a review against the original; by feature, against any duplicate of it', () => {
    const result = summarise(
      [
        // Merged into the original.
        outcome('q1', 't1', { id: 't1', confidence: 0.9 }, 1),
        // Queued for review against the original.
        outcome('q2', 't1', { id: 't1', confidence: 0.6, own: 0.7 }, 1),
        // Merged into a labelled duplicate of the original (q1): the right feature, not the right document.
        outcome('q3', 't1', { id: 'q1', confidence: 0.9, sameNeed: true }, 2),
        // Queued for review against another duplicate of the original.
        outcome('q4', 't1', { id: 'q2', confidence: 0.5, own: 0.6, sameNeed: true }, 2),
        // The original first, but too weak even for review: a new feature.
        outcome('q5', 't5', { id: 't5', confidence: 0.3, own: 0.4 }, 1),
        // Merged into the wrong feature.
        outcome('q6', 't6', { id: 'x', confidence: 0.9 }, 0),
      ],
      0,
      THRESHOLDS,
    );
    expect(result.recall).toBe(round(1 / 6));
    expect(result.reviewRecall).toBe(round(2 / 6));
    expect(result.byFeature.recall).toBe(round(2 / 6));
    expect(result.byFeature.reviewRecall).toBe(round(4 / 6));
  });

  it('replay marks a decision for a document with the query’s own text', async () => {
    const engine = createDedupeEngine();
    const text = {
      title: 'Export invoices to CSV for the accountants',
      body: 'Our finance team exports every invoice by hand each month; a CSV export would save them a day.',
    };
    const corpus = [
      {
        id: 'original',
        title: 'Invoice download as a spreadsheet',
        body: 'Accounting wants invoices in Excel.',
      },
      { id: 'copy', ...text },
      { id: 'other', title: 'Dark mode for the dashboard', body: 'The dashboard is too bright at night.' },
      { id: 'query', ...text },
    ];
    const { outcomes } = await replay(engine, corpus, [{ queryId: 'query', targetId: 'original' }], false);
    expect(outcomes[0]?.top).toMatchObject({ id: 'copy', sameText: true });
    const { outcomes: without } = await replay(
      engine,
      corpus.filter((d) => d.id !== 'copy'),
      [{ queryId: 'query', targetId: 'original' }],
      false,
    );
    expect(without[0]?.top?.sameText).toBe(false);
  });

  it('replayPools puts each query against its original and size − 1 other documents, the same on every run', async () => {
    const engine = createDedupeEngine();
    const corpus = [
      { id: 'original', title: 'Dark mode', body: '' },
      { id: 'query', title: 'Night mode for the dashboard', body: '' },
      // Closer to the query than its original: it outranks the original only when it is in the pool.
      { id: 'closer', title: 'Night mode for the dashboard charts', body: '' },
      ...[
        'Slack integration',
        'Recurring tasks',
        'Keyboard shortcuts',
        'Gantt chart',
        'Zapier integration',
      ].map((title, i) => ({ id: `other-${i}`, title, body: '' })),
    ];
    const labels = [{ queryId: 'query', targetId: 'original' }];
    const alone = await replayPools(engine, corpus, labels, 1);
    expect(alone.outcomes.map((o) => [o.rank, o.top?.id])).toEqual([[1, 'original']]);
    const everything = await replayPools(engine, corpus, labels, 100);
    expect(everything.outcomes[0]?.top?.id).toBe('closer');
    // Seeded: each size draws the same pool every run.
    for (const size of [2, 3, 4]) {
      expect(await replayPools(engine, corpus, labels, size)).toEqual(
        await replayPools(engine, corpus, labels, size),
      );
    }
    const missing = await replayPools(engine, corpus, [{ queryId: 'query', targetId: 'absent' }], 3);
    expect(missing).toEqual({ outcomes: [], excluded: 1 });
  });
});
