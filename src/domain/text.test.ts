import { describe, expect, it } from 'vitest';
import { cutText } from './text.ts';

describe('cutText', () => {
  it.each([
    ['short text unchanged', 'abc', 5, '', 'abc'],
    ['exact length unchanged', 'abcde', 5, '…', 'abcde'],
    ['cut with the ellipsis inside the budget', 'abcdef', 5, '…', 'abcd…'],
    ['an emoji that would be halved is left out', 'ab😀', 3, '', 'ab'],
    ['an emoji that fits is kept', 'ab😀c', 4, '', 'ab😀'],
    ['emoji only, odd budget', '😀😀😀', 5, '', '😀😀'],
  ])('%s', (_what, text, max, ellipsis, expected) => {
    const cut = cutText(text, max, ellipsis);
    expect(cut).toBe(expected);
    expect(cut.length).toBeLessThanOrEqual(max);
    expect(cut.isWellFormed()).toBe(true);
  });
});
