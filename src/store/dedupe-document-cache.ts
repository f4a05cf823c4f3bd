import type { DocumentStats } from '../rules/dedupe/dedupe-index.ts';

/**
 * Stored documents' statistics as read and parsed (their term vectors are the costly part of triage's reads),
 * kept across transactions by one process. Each entry holds the row version it was read at (`xmin`, which any
 * write of the row changes): a caller reads the versions, the cheap part, and only what changed or was never read
 * is read in full. Bounded by the terms held (a long body has a thousand): the least recently used go first past
 * `limit`.
 */
export interface DocumentCache {
  get(id: string, version: string): DocumentStats | undefined;
  set(id: string, version: string, stats: DocumentStats): void;
  delete(id: string): void;
  readonly size: number;
}

/**
 * Terms across the documents kept: the leaders of many triages in a row (each reads about a hundred documents of
 * some tens of terms), some tens of MB at most.
 */
export const DOCUMENT_CACHE_LIMIT = 200_000;

/** What a document counts against the limit: its terms and title trigrams. */
const weightOf = (stats: DocumentStats) => stats.terms.size + stats.titleGrams.length + 1;

export function createDocumentCache(limit = DOCUMENT_CACHE_LIMIT): DocumentCache {
  const entries = new Map<string, { version: string; stats: DocumentStats }>();
  let held = 0;
  const drop = (id: string) => {
    const entry = entries.get(id);
    if (!entry) return undefined;
    entries.delete(id);
    held -= weightOf(entry.stats);
    return entry;
  };
  return {
    get(id, version) {
      const entry = drop(id);
      if (!entry || entry.version !== version) return undefined;
      // Most recently used last.
      entries.set(id, entry);
      held += weightOf(entry.stats);
      return entry.stats;
    },
    set(id, version, stats) {
      drop(id);
      if (weightOf(stats) > limit) return;
      entries.set(id, { version, stats });
      held += weightOf(stats);
      for (const oldest of entries.keys()) {
        if (held <= limit) break;
        drop(oldest);
      }
    },
    delete: (id) => void drop(id),
    get size() {
      return entries.size;
    },
  };
}
