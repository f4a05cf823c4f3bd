import { describe, expect, it } from 'vitest';
import { backOf } from './notify-send.job.ts';

/** What the send and digest jobs read off a row to word a step back (rules/notify/back-news.ts decides). */
describe('backOf: a row’s step back, as the send and digest jobs render it', () => {
  it.each([
    ['a plain row', { status: 'planned', detail: { fromStatus: 'under_review' } }, {}],
    [
      'reopened after shipped',
      { status: 'in_progress', detail: { back: 'reopened', fromStatus: 'shipped' } },
      { back: 'reopened', unmergedFrom: undefined },
    ],
    [
      'moved back from being built',
      { status: 'planned', detail: { back: 'reopened', fromStatus: 'in_progress' } },
      { back: 'moved_back', unmergedFrom: undefined },
    ],
    [
      'unmerged, naming the feature',
      {
        status: 'planned',
        detail: { back: 'unmerged', fromStatus: 'merged', unmergedFrom: { id: 'f', title: 'Dark mode' } },
      },
      { back: 'unmerged', unmergedFrom: { title: 'Dark mode' } },
    ],
    [
      'a plan taken back: a decline',
      { status: 'declined', detail: { back: 'reopened', fromStatus: 'planned' } },
      {},
    ],
  ])('%s', (_name, row, expected) => {
    expect(backOf(row)).toEqual(expected);
  });
});
