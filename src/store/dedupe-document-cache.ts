import type { DocumentStats } from '../rules/dedupe/dedupe-index.ts';

/**
 * Stored documents' statistics as read and parsed (their term vectors are the costly part of triage's reads),
 * kept across transactions by one process. Each entry holds the row version it was read at (`xmin`, which any
 * write of the row changes): a caller reads the versions, the cheap part, and only what changed or was never read
 * is read in full. The least recently used go first past `limit`.
 */
export interface DocumentCache {
  get(id: string, version: string): DocumentStats | undefined;
  set(id: string, version: string, stats: DocumentStats): void;
  delete(id: string): void;
  readonly size: number;
}

/** Enough for the leaders of many triages in a row (each reads about a hundred); a few MB of parsed vectors. */
export const DOCUMENT_CACHE_LIMIT = 2_048;

export function createDocumentCache(limit = DOCUMENT_CACHE_LIMIT): DocumentCache {
  const entries = new Map<string, { version: string; stats: DocumentStats }>();
  return {
    get(id, version) {
      const entry = entries.get(id);
      if (!entry) return undefined;
      entries.delete(id);
      if (entry.version !== version) return undefined;
      // Most recently used last.
      entries.set(id, entry);
      return entry.stats;
    },
    set(id, version, stats) {
      entries.delete(id);
      entries.set(id, { version, stats });
      for (const oldest of entries.keys()) {
        if (entries.size <= limit) break;
        entries.delete(oldest);
      }
    },
    delete: (id) => entries.delete(id),
    get size() {
      return entries.size;
    },
  };
}
