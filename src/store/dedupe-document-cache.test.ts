import { describe, expect, it } from 'vitest';
import type { DocumentStats } from '../rules/dedupe/dedupe-index.ts';
import { createDocumentCache } from './dedupe-document-cache.ts';

const stats = (id: string): DocumentStats => ({
  id,
  titleLength: 1,
  bodyLength: 0,
  terms: new Map([['word', [1, 0]]]),
  titleTerms: ['word'],
  titleGrams: [],
});

describe('document cache', () => {
  it('answers only for the row version it was given', () => {
    const cache = createDocumentCache();
    const a = stats('a');
    cache.set('a', '100', a);
    expect(cache.get('a', '100')).toBe(a);
    expect(cache.get('a', '101')).toBeUndefined();
    // A version that did not match dropped the entry.
    expect(cache.get('a', '100')).toBeUndefined();
  });

  it('drops the least recently used past its limit, counted in terms', () => {
    // Each document here weighs 2: one term, no trigram, and itself.
    const cache = createDocumentCache(4);
    cache.set('a', '1', stats('a'));
    cache.set('b', '1', stats('b'));
    expect(cache.get('a', '1')).toBeDefined();
    cache.set('c', '1', stats('c'));
    expect(cache.size).toBe(2);
    expect(cache.get('b', '1')).toBeUndefined();
    expect(cache.get('a', '1')).toBeDefined();
    expect(cache.get('c', '1')).toBeDefined();
  });

  it('keeps no document larger than the whole limit', () => {
    const cache = createDocumentCache(1);
    cache.set('a', '1', stats('a'));
    expect(cache.size).toBe(0);
  });
});
