import type { AnalysedText } from './analyse.ts';
import { type CompareContext, type ComparedText, compareTitles } from './compare.ts';
import {
  type Bm25Params,
  bm25Contribution,
  type DedupeIndexReader,
  type DocumentStats,
} from './dedupe-index.ts';
import type { CompiledOpposites, CompiledSynonyms } from './synonyms.ts';

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
   * Query terms are weighted by idf to this power. A request is a document too: weighting a shared term by its
   * rarity on both sides (as tf-idf cosine does) lets the rare words two duplicates share outweigh common ones.
   */
  idfExponent: number;
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
  idfExponent: 2,
  typoDiscount: 0.7,
  weights: { bm25: 0.4, queryCoverage: 0.25, candidateCoverage: 0.25, titleTerms: 0, titleGrams: 0.1 },
  oppositePenalty: 0.5,
  differencePenalty: 0.5,
};

/** Why a candidate scored what it did. */
export interface CandidateEvidence {
  /** Query terms (stems, `~group` for synonyms) found in the candidate, most informative first. */
  matchedTerms: string[];
  /** Typo matches: query term → indexed term. */
  typos: Record<string, string>;
  /** Opposite words across the two titles, as "query term/candidate term". */
  opposites: string[];
  /** BM25F score, raw and divided by the query's score against itself (0..1). */
  bm25: number;
  bm25Norm: number;
  /** idf-weighted cosine of the two titles' terms (0..1). */
  titleTerms: number;
  /** Cosine of the two titles' character trigrams (0..1). */
  titleGrams: number;
  /** idf-weighted share of the request's title terms that the candidate contains anywhere (0..1). */
  queryCoverage: number;
  /** idf-weighted share of the candidate's title terms that the request contains anywhere (0..1). */
  candidateCoverage: number;
  /** Title terms of the request the candidate lacks, and the other way round, rarest first. */
  onlyInRequest: string[];
  onlyInCandidate: string[];
}

export interface Candidate {
  id: string;
  /** 0..1, the ranking order: how alike the two texts are. */
  similarity: number;
  /**
   * 0..1, the similarity lowered when the titles contradict each other (opposite words, different versions) and
   * when each names something the other lacks: it changes the decision, not the order. `decide` weighs it against
   * the other candidates' (the merge confidence) and compares it with the review threshold.
   */
  confidence: number;
  evidence: CandidateEvidence;
}

interface QueryTerm {
  term: string;
  /** The indexed term it is looked up as (itself, or a typo match); undefined when no document has it. */
  indexed: string | undefined;
  weight: number;
  idf: number;
  df: number;
}

function idf(documents: number, df: number): number {
  return Math.log(1 + (documents - df + 0.5) / (df + 0.5));
}

/**
 * The query's most informative terms with their weights: title occurrences count `titleWeight` times, repeats
 * saturate. A term no document contains still counts (it lowers the best possible score), and is looked up as
 * its typo neighbours in the index, if any.
 */
async function queryTerms(
  query: AnalysedText,
  index: DedupeIndexReader,
  documents: number,
  options: RankOptions,
): Promise<QueryTerm[]> {
  const raw = new Map<string, number>();
  for (const [term, tf] of query.title.tf) raw.set(term, (raw.get(term) ?? 0) + options.titleWeight * tf);
  for (const [term, tf] of query.body.tf) raw.set(term, (raw.get(term) ?? 0) + tf);
  const dfs = await index.documentFrequencies([...raw.keys()]);
  const chosen = [...raw.entries()]
    .map(([term, w]) => ({ term, weight: (w * 2) / (w + 1), df: dfs.get(term) ?? 0 }))
    .map((t) => ({ ...t, idf: idf(documents, t.df) ** options.idfExponent }))
    .sort((a, b) => b.weight * b.idf - a.weight * a.idf || a.term.localeCompare(b.term))
    .slice(0, options.maxQueryTerms);
  const unknown = chosen.filter((t) => t.df === 0).map((t) => t.term);
  const similar = unknown.length > 0 ? await index.similarTerms(unknown) : new Map();
  const terms: QueryTerm[] = [];
  for (const { term, weight, df, idf: termIdf } of chosen) {
    terms.push({ term, indexed: df > 0 ? term : undefined, weight, idf: termIdf, df });
    if (df > 0) continue;
    for (const s of similar.get(term) ?? []) {
      terms.push({
        term,
        indexed: s.term,
        weight: weight * options.typoDiscount,
        idf: idf(documents, s.df) ** options.idfExponent,
        df: s.df,
      });
    }
  }
  return terms;
}

/** The terms retrieval reads postings for: most informative first, within the postings budget. */
function retrievalTerms(terms: readonly QueryTerm[], budget: number): QueryTerm[] {
  const found = terms
    .filter((t) => t.indexed !== undefined)
    .sort((a, b) => b.weight * b.idf - a.weight * a.idf || a.df - b.df);
  const chosen: QueryTerm[] = [];
  let postings = 0;
  for (const t of found) {
    if (chosen.length > 0 && postings + t.df > budget) continue;
    chosen.push(t);
    postings += t.df;
  }
  return chosen;
}

function cosineOfSets(a: readonly string[], b: readonly string[], weight: (x: string) => number): number {
  if (a.length === 0 || b.length === 0) return 0;
  const setB = new Set(b);
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (const x of a) {
    const w = weight(x) ** 2;
    normA += w;
    if (setB.has(x)) dot += w;
  }
  for (const x of setB) normB += weight(x) ** 2;
  return normA && normB ? dot / Math.sqrt(normA * normB) : 0;
}

/**
 * Exact BM25F of one document for the query terms, from the document's own vector; and the terms it matched. A
 * word of a synonym phrase both texts name ("night" in "night mode" against a "dark theme") scores as the group
 * term does in the document: the phrase matched, only in other words.
 */
function scoreDocument(
  doc: DocumentStats,
  terms: readonly QueryTerm[],
  params: Bm25Params,
  groupsOf: (term: string) => readonly string[],
): { score: number; hits: QueryTerm[] } {
  let score = 0;
  const hits: QueryTerm[] = [];
  for (const q of terms) {
    const tf = q.indexed === undefined ? undefined : doc.terms.get(q.indexed);
    if (tf) {
      score += q.weight * q.idf * bm25Contribution(tf[0], tf[1], doc.titleLength, doc.bodyLength, params);
      hits.push(q);
      continue;
    }
    // Once per request word, not once per typo neighbour of it.
    if (q.indexed !== undefined && q.indexed !== q.term) continue;
    for (const group of groupsOf(q.term)) {
      const viaGroup = doc.terms.get(group);
      if (!viaGroup) continue;
      score +=
        q.weight *
        q.idf *
        bm25Contribution(viaGroup[0], viaGroup[1], doc.titleLength, doc.bodyLength, params);
      break;
    }
  }
  return { score, hits };
}

/**
 * Ranks the indexed documents against a query: BM25F over title and body retrieves the leaders, which are then
 * scored exactly from their own vectors. Similarity mixes the normalised BM25F score, how much of each title the
 * other text covers (both ways) and the titles' character trigrams; confidence lowers it for contradictions and
 * for titles that each name something the other lacks. Pure apart from reading the index it is given.
 */
export async function rankCandidates(
  query: AnalysedText,
  index: DedupeIndexReader,
  vocabulary: { synonyms: CompiledSynonyms; opposites: CompiledOpposites },
  limit: number,
  options: RankOptions = DEFAULT_RANK_OPTIONS,
): Promise<Candidate[]> {
  const corpus = await index.stats();
  if (corpus.documents === 0) return [];
  const terms = await queryTerms(query, index, corpus.documents, options);
  const { k1, titleWeight, bTitle, bBody } = options;
  const params: Bm25Params = {
    k1,
    titleWeight,
    bTitle,
    bBody,
    avgTitleLength: corpus.avgTitleLength,
    avgBodyLength: corpus.avgBodyLength,
  };
  const retrieval = retrievalTerms(terms, options.retrievalPostings);
  if (retrieval.length === 0) return [];
  const leaders = await index.retrieve(
    retrieval.map((q) => ({ term: q.indexed ?? q.term, weight: q.weight * q.idf })),
    params,
    Math.max(limit, options.rerankDepth),
  );
  const docs = await index.documents(leaders.map((l) => l.id));

  // The query scored against itself: the most any document could reach with these terms.
  let selfScore = 0;
  for (const q of terms) {
    if (q.indexed !== q.term && q.indexed !== undefined) continue;
    selfScore +=
      q.weight *
      q.idf *
      bm25Contribution(
        query.title.tf.get(q.term) ?? 0,
        query.body.tf.get(q.term) ?? 0,
        query.title.length,
        query.body.length,
        params,
      );
  }

  // Title similarity weighs terms by idf: look up the leaders' title terms the query did not have.
  const known = new Map<string, number>(terms.map((q) => [q.indexed ?? q.term, q.df]));
  const missing = new Set<string>();
  for (const doc of docs.values()) for (const t of doc.titleTerms) if (!known.has(t)) missing.add(t);
  for (const t of query.title.tf.keys()) if (!known.has(t)) missing.add(t);
  if (missing.size > 0) for (const [t, df] of await index.documentFrequencies([...missing])) known.set(t, df);
  const titleIdf = (term: string) => idf(corpus.documents, known.get(term) ?? 0);

  const queryTitle = [...query.title.tf.keys()];
  const request: ComparedText = {
    titleTerms: queryTitle,
    has: (t) => query.title.tf.has(t) || query.body.tf.has(t),
  };
  const typoOf = new Map<string, string[]>();
  for (const q of terms) {
    if (q.indexed !== undefined && q.indexed !== q.term)
      typoOf.set(q.term, [...(typoOf.get(q.term) ?? []), q.indexed]);
  }
  const context: CompareContext = {
    idf: titleIdf,
    synonyms: vocabulary.synonyms,
    opposites: vocabulary.opposites,
    typoDiscount: options.typoDiscount,
    typoOf,
  };
  // Synonym groups the request names, by the words of their phrases it used.
  const groupsByTerm = new Map<string, readonly string[]>();
  for (const q of terms) {
    const groups = (vocabulary.synonyms.groupsOf.get(q.term) ?? []).filter((g) => request.has(g));
    if (groups.length > 0) groupsByTerm.set(q.term, groups);
  }
  const queryGroups = (term: string) => groupsByTerm.get(term) ?? [];
  const candidates: Candidate[] = [];
  for (const { id } of leaders) {
    const doc = docs.get(id);
    if (!doc) continue;
    const { score, hits } = scoreDocument(doc, terms, params, queryGroups);
    const bm25Norm = selfScore > 0 ? Math.min(1, score / selfScore) : 0;
    const titleTerms = cosineOfSets(queryTitle, doc.titleTerms, titleIdf);
    const titleGrams = cosineOfSets(query.titleGrams, doc.titleGrams, () => 1);
    const compared = compareTitles(
      request,
      { titleTerms: doc.titleTerms, has: (t) => doc.terms.has(t) },
      context,
    );
    const { queryCoverage, candidateCoverage } = compared;
    const w = options.weights;
    const similarity =
      w.bm25 * bm25Norm +
      w.queryCoverage * queryCoverage +
      w.candidateCoverage * candidateCoverage +
      w.titleTerms * titleTerms +
      w.titleGrams * titleGrams;
    // Each title naming something the other lacks ("for emails" / "for the dashboard") is two needs.
    const apart = Math.min(1 - queryCoverage, 1 - candidateCoverage);
    const confidence =
      similarity *
      (compared.contradictions.length > 0 ? options.oppositePenalty : 1) *
      (1 - options.differencePenalty * apart);
    const typos: Record<string, string> = {};
    for (const q of hits) if (q.indexed !== undefined && q.indexed !== q.term) typos[q.term] = q.indexed;
    candidates.push({
      id,
      similarity,
      confidence,
      evidence: {
        matchedTerms: hits.slice(0, 20).map((q) => q.indexed ?? q.term),
        typos,
        opposites: compared.contradictions,
        bm25: score,
        bm25Norm,
        titleTerms,
        titleGrams,
        queryCoverage,
        candidateCoverage,
        onlyInRequest: compared.onlyInRequest.slice(0, 10),
        onlyInCandidate: compared.onlyInCandidate.slice(0, 10),
      },
    });
  }
  candidates.sort((a, b) => b.similarity - a.similarity || a.id.localeCompare(b.id));
  return candidates.slice(0, limit);
}
