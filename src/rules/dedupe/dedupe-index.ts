import type { AnalysedText } from './analyse.ts';

/** One document's occurrences of one term, with the document's field lengths (for the BM25 length norm). */
export interface Posting {
  id: string;
  titleTf: number;
  bodyTf: number;
  titleLength: number;
  bodyLength: number;
}

/** Everything the ranker compares for one document: its full term vector, title terms and title trigrams. */
export interface DocumentStats {
  id: string;
  titleLength: number;
  bodyLength: number;
  /** term → [title tf, body tf] */
  terms: ReadonlyMap<string, readonly [number, number]>;
  titleTerms: readonly string[];
  titleGrams: readonly string[];
}

export interface CorpusStats {
  documents: number;
  avgTitleLength: number;
  avgBodyLength: number;
}

/** A query term for retrieval, with its weight already multiplied by its idf. */
export interface WeightedTerm {
  term: string;
  weight: number;
}

/** What BM25F needs besides the postings. */
export interface Bm25Params {
  k1: number;
  titleWeight: number;
  bTitle: number;
  bBody: number;
  avgTitleLength: number;
  avgBodyLength: number;
}

/** BM25F contribution of one posting (one field-weighted, length-normalised, saturated term frequency). */
export function bm25Contribution(
  titleTf: number,
  bodyTf: number,
  titleLength: number,
  bodyLength: number,
  p: Bm25Params,
): number {
  const tf =
    (p.titleWeight * titleTf) / (1 - p.bTitle + (p.bTitle * titleLength) / (p.avgTitleLength || 1)) +
    bodyTf / (1 - p.bBody + (p.bBody * bodyLength) / (p.avgBodyLength || 1));
  return (tf * (p.k1 + 1)) / (tf + p.k1);
}

/**
 * What the ranker reads, in a few batched calls per query (so a store-backed index is a handful of round trips):
 * corpus totals, document frequencies, typo neighbours, the BM25F leaders for a set of terms, and the full
 * vectors of those leaders.
 */
export interface DedupeIndexReader {
  stats(): Promise<CorpusStats>;
  /** Documents containing each term (either field); a term no document has is absent or 0. */
  documentFrequencies(terms: readonly string[]): Promise<ReadonlyMap<string, number>>;
  /**
   * Candidate typo neighbours of each term among the indexed terms, with their frequencies; the ranker keeps the
   * ones within the allowed edit distance (`keepTypoNeighbours`).
   */
  similarTerms(
    terms: readonly string[],
  ): Promise<ReadonlyMap<string, readonly { term: string; df: number }[]>>;
  /** The `limit` documents with the highest summed `weight × bm25Contribution` over these terms. */
  retrieve(
    terms: readonly WeightedTerm[],
    params: Bm25Params,
    limit: number,
  ): Promise<readonly { id: string; score: number }[]>;
  documents(ids: readonly string[]): Promise<ReadonlyMap<string, DocumentStats>>;
}

/** An in-process index that documents can be added to and removed from. */
export interface DedupeIndex extends DedupeIndexReader {
  add(id: string, text: AnalysedText): void;
  remove(id: string): void;
  has(id: string): boolean;
}
