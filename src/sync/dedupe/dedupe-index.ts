import type { AnalysedText } from './analyse.ts';

/** One document's occurrences of one term. */
export interface Posting {
  id: string;
  titleTf: number;
  bodyTf: number;
}

/** Per-document facts the ranker needs besides postings: field lengths, title terms and title trigrams. */
export interface DocumentStats {
  id: string;
  titleLength: number;
  bodyLength: number;
  titleTerms: readonly string[];
  titleGrams: readonly string[];
}

export interface CorpusStats {
  documents: number;
  avgTitleLength: number;
  avgBodyLength: number;
}

/**
 * What the ranker reads. The in-memory index implements it directly; a store-backed index loads a view for the
 * terms of one query (postings for those terms, the stats of the documents they name, corpus totals) in a few
 * queries, then ranks in memory.
 */
export interface DedupeIndexView {
  postings(term: string): readonly Posting[];
  /** How many documents contain `term` (in either field). */
  documentFrequency(term: string): number;
  document(id: string): DocumentStats | undefined;
  stats(): CorpusStats;
  /** Indexed terms within a small edit distance of `term` (typo tolerance); an empty list when unsupported. */
  similarTerms(term: string): readonly string[];
}

/** An index that documents (features, or requests) can be added to and removed from. */
export interface DedupeIndex extends DedupeIndexView {
  add(id: string, text: AnalysedText): void;
  remove(id: string): void;
  has(id: string): boolean;
}
