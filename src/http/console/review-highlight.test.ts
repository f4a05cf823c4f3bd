import { describe, expect, it } from 'vitest';
import { highlight, markedTerms, type Segment } from './review-highlight.ts';

/** The segments as text with the marked runs in brackets. */
const shown = (segments: Segment[]) => segments.map((s) => (s.mark ? `[${s.text}]` : s.text)).join('');

describe('the words triage matched, marked in a text', () => {
  it.each([
    [
      'a stem marks every form of its word',
      ['export', 'csv'],
      {},
      'Exporting invoices to CSV',
      '[Exporting] invoices to [CSV]',
    ],
    [
      'words triage did not match stay plain',
      ['gantt'],
      {},
      'Please add a Gantt chart',
      'Please add a [Gantt] chart',
    ],
    [
      'a synonym group marks the words of its name',
      ['~dark_mode'],
      {},
      'Dark mode, please',
      '[Dark] [mode], please',
    ],
    [
      'both sides of a typo are marked',
      [],
      { notifc: 'notif' },
      'Email notifcations',
      'Email [notifcations]',
    ],
    ['stop words are never marked, even if a term', ['the'], {}, 'the export', 'the export'],
    ['nothing matched: the text as it is', [], {}, 'Dark <b>mode</b>', 'Dark <b>mode</b>'],
  ])('%s', (_what, matchedTerms, typos, text, expected) => {
    const segments = highlight(text, markedTerms({ matchedTerms, typos }));
    expect(shown(segments)).toBe(expected);
    expect(segments.map((s) => s.text).join('')).toBe(text);
  });

  it('reads evidence of any shape without throwing (erased evidence has no words)', () => {
    expect(markedTerms({ matchedTerms: 'export', typos: ['x'] }).size).toBe(0);
    expect(markedTerms({}).size).toBe(0);
  });
});
