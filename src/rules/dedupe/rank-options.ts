/**
 * Knobs of the ranker. BM25's k1 and b are textbook values; the component weights and the two penalties were
 * chosen on the development sets, each choice confirmed on a set left out of it, and are round on purpose.
 */
export interface RankOptions {
  /** BM25F weight of a title occurrence relative to a body occurrence. */
  titleWeight: number;
  k1: number;
  bTitle: number;
  bBody: number;
  /** The query's most informative terms (weight × idf^idfExponent) that count; bounds work for long bodies. */
  maxQueryTerms: number;
  /** How many BM25 leaders get the full comparison (exact BM25F, title similarity, trigrams). */
  rerankDepth: number;
  /**
   * Retrieval reads the postings of the query's most informative terms until their document frequencies add up
   * to this (at least one term): a term in half the corpus adds work, not candidates. Leaders are then scored
   * on every query term from their own vectors, so this bounds work without changing a leader's score. It is a
   * number, not a share, so retrieval costs the same at 100,000 features as at 10,000: measured with
   * `npm run bench -- --only triage`, 5,000 found nearly every original 20,000 did at 100,000 features (56 and 58
   * of 100 rewordings ranked first) at a third of the retrieval time; 2,000 lost a quarter of them.
   */
  retrievalPostings: number;
  /**
   * Retrieval also leaves out a term weighing less than this share of the strongest term it reads (weight ×
   * idf^idfExponent). With idf squared, a word nearly every document has (a form's boilerplate, "customer asked
   * on a call") weighs next to nothing, yet reading its postings costs as much as a rare word's and makes every
   * document a leader to sort. Such a term adds at most that share of what the strongest one can add to a
   * document's retrieval score, so leaving it out can only change which documents are leaders among those whose
   * scores are that close, and the leaders are still scored on it from their own vectors. Not tuned: the figures
   * of `dedupe-eval` on every development set, plain and `--pool 30`, are identical at 0.001, 0.01 and 0.03.
   */
  retrievalWeightFloor: number;
  /**
   * Query terms are weighted by idf to this power. A request is a document too: weighting a shared term by its
   * rarity on both sides (as tf-idf cosine does) lets the rare words two duplicates share outweigh common ones.
   */
  idfExponent: number;
  /**
   * idf is computed as if the index held at least this many documents, the missing ones containing none of the
   * request's words. Document frequencies from a handful of documents (a new installation) are noise: with five
   * requests, a word two of them use looks as common as "the", and a word none of them uses ("files" in "export
   * reports as CSV files") outweighs every shared word put together, so a reworded duplicate looks like a new
   * need. From this many documents on, the index's own frequencies are used unchanged. A round number, not tuned:
   * 50 and 200 move the figures of `dedupe-eval --pool 8` and `--pool 30` the same way, with no wrong merge.
   */
  idfPriorDocuments: number;
  /** Weight of a typo-matched term relative to an exact match. */
  typoDiscount: number;
  /**
   * Weights of the similarity's components (see `CandidateEvidence`); they sum to 1 so similarity stays in 0..1.
   * The title term cosine is evidence only by default: the two coverages say the same, and say it better.
   */
  weights: {
    bm25: number;
    queryCoverage: number;
    candidateCoverage: number;
    titleTerms: number;
    titleGrams: number;
  };
  /** Confidence factor when the two titles contain opposite words ("import" vs "export"). */
  oppositePenalty: number;
  /**
   * Confidence lost per unit of the smaller of the two titles' uncovered shares: when each title names something
   * the other lacks, they tend to ask for different things ("dark mode for emails" / "for the dashboard").
   */
  differencePenalty: number;
}

export const DEFAULT_RANK_OPTIONS: RankOptions = {
  titleWeight: 3,
  k1: 1.2,
  bTitle: 0.5,
  bBody: 0.75,
  maxQueryTerms: 32,
  rerankDepth: 100,
  retrievalPostings: 5_000,
  retrievalWeightFloor: 0.01,
  idfExponent: 2,
  idfPriorDocuments: 100,
  typoDiscount: 0.7,
  weights: { bm25: 0.4, queryCoverage: 0.25, candidateCoverage: 0.25, titleTerms: 0, titleGrams: 0.1 },
  oppositePenalty: 0.5,
  differencePenalty: 0.5,
};
