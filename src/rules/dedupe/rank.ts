import type { AnalysedText } from './analyse.ts';
import { type CompareContext, type ComparedText, compareTitles } from './compare.ts';
import {
  type Bm25Params,
  bm25Contribution,
  type DedupeIndexReader,
  type DocumentStats,
} from './dedupe-index.ts';
import type { CompiledLearning } from './learned.ts';
import { fuzzyEligible, keepTypoNeighbours } from './memory-index.ts';
import { DEFAULT_RANK_OPTIONS, type RankOptions } from './rank-options.ts';
import type { CompiledOpposites, CompiledSynonyms } from './synonyms.ts';

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
  const unknown = chosen.filter((t) => t.df === 0 && fuzzyEligible(t.term)).map((t) => t.term);
  const similar = unknown.length > 0 ? keepTypoNeighbours(await index.similarTerms(unknown)) : new Map();
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

/**
 * The terms retrieval reads postings for: most informative first, within the postings budget, down to the
 * weight floor (a share of the strongest term's weight).
 */
function retrievalTerms(
  terms: readonly QueryTerm[],
  { retrievalPostings, retrievalWeightFloor }: RankOptions,
) {
  const found = terms
    .filter((t) => t.indexed !== undefined)
    .sort((a, b) => b.weight * b.idf - a.weight * a.idf || a.df - b.df);
  const chosen: QueryTerm[] = [];
  let postings = 0;
  const floor = found[0] ? found[0].weight * found[0].idf * retrievalWeightFloor : 0;
  for (const t of found) {
    if (chosen.length > 0 && t.weight * t.idf < floor) break;
    if (chosen.length > 0 && postings + t.df > retrievalPostings) continue;
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
  learned: CompiledLearning | undefined,
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
    const via = viaGroupOrLearned(q.term, doc, groupsOf, learned);
    if (via) {
      score +=
        via.weight *
        q.weight *
        q.idf *
        bm25Contribution(via.tf[0], via.tf[1], doc.titleLength, doc.bodyLength, params);
    }
  }
  return { score, hits };
}

/**
 * A request word the document lacks, found in other words: a synonym group both name (a full match), or else a
 * word the team's merges associated with it (at the association's weight).
 */
function viaGroupOrLearned(
  term: string,
  doc: DocumentStats,
  groupsOf: (term: string) => readonly string[],
  learned: CompiledLearning | undefined,
): { tf: readonly [number, number]; weight: number } | undefined {
  for (const group of groupsOf(term)) {
    const tf = doc.terms.get(group);
    if (tf) return { tf, weight: 1 };
  }
  let best: { tf: readonly [number, number]; weight: number } | undefined;
  for (const r of learned?.related(term) ?? []) {
    const tf = doc.terms.get(r.term);
    if (tf && r.weight > (best?.weight ?? 0)) best = { tf, weight: r.weight };
  }
  return best;
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
  vocabulary: { synonyms: CompiledSynonyms; opposites: CompiledOpposites; learned?: CompiledLearning },
  limit: number,
  options: RankOptions = DEFAULT_RANK_OPTIONS,
): Promise<Candidate[]> {
  const corpus = await index.stats();
  if (corpus.documents === 0) return [];
  // A handful of documents says little about how rare a word is (see `RankOptions.idfPriorDocuments`).
  const documents = Math.max(corpus.documents, options.idfPriorDocuments);
  const terms = await queryTerms(query, index, documents, options);
  const { k1, titleWeight, bTitle, bBody } = options;
  const params: Bm25Params = {
    k1,
    titleWeight,
    bTitle,
    bBody,
    avgTitleLength: corpus.avgTitleLength,
    avgBodyLength: corpus.avgBodyLength,
  };
  const retrieval = retrievalTerms(terms, options);
  if (retrieval.length === 0) return [];
  const leaders = await index.retrieve(
    retrieval.map((q) => ({ term: q.indexed ?? q.term, weight: q.weight * q.idf })),
    params,
    Math.max(limit, options.rerankDepth),
  );
  const docs = await index.documents(leaders.map((l) => l.id));
  const request: ComparedText = {
    titleTerms: [...query.title.tf.keys()],
    has: (t) => query.title.tf.has(t) || query.body.tf.has(t),
  };
  const titleIdf = await titleIdfOf(query, index, documents, terms, docs);
  const scoring: Scoring = {
    query,
    request,
    terms,
    params,
    options,
    selfScore: selfScore(query, terms, params),
    titleIdf,
    context: {
      idf: titleIdf,
      synonyms: vocabulary.synonyms,
      opposites: vocabulary.opposites,
      typoDiscount: options.typoDiscount,
      typoOf: typoNeighbours(terms),
      learned: vocabulary.learned,
    },
    queryGroups: queryGroupsOf(terms, vocabulary.synonyms, request),
  };
  const candidates: Candidate[] = [];
  for (const { id } of leaders) {
    const doc = docs.get(id);
    if (doc) candidates.push(scoreCandidate(id, doc, scoring));
  }
  candidates.sort((a, b) => b.similarity - a.similarity || a.id.localeCompare(b.id));
  return candidates.slice(0, limit);
}

/** Everything a leader is scored against: the query, its terms and what was derived from them once. */
interface Scoring {
  query: AnalysedText;
  request: ComparedText;
  terms: readonly QueryTerm[];
  params: Bm25Params;
  options: RankOptions;
  selfScore: number;
  titleIdf: (term: string) => number;
  context: CompareContext;
  queryGroups: (term: string) => readonly string[];
}

/** The query scored against itself: the most any document could reach with these terms. */
function selfScore(query: AnalysedText, terms: readonly QueryTerm[], params: Bm25Params): number {
  let score = 0;
  for (const q of terms) {
    if (q.indexed !== q.term && q.indexed !== undefined) continue;
    score +=
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
  return score;
}

/** Title similarity weighs terms by idf: look up the leaders' title terms the query did not have. */
async function titleIdfOf(
  query: AnalysedText,
  index: DedupeIndexReader,
  documents: number,
  terms: readonly QueryTerm[],
  docs: ReadonlyMap<string, DocumentStats>,
): Promise<(term: string) => number> {
  const known = new Map<string, number>(terms.map((q) => [q.indexed ?? q.term, q.df]));
  const missing = new Set<string>();
  for (const doc of docs.values()) for (const t of doc.titleTerms) if (!known.has(t)) missing.add(t);
  for (const t of query.title.tf.keys()) if (!known.has(t)) missing.add(t);
  if (missing.size > 0) for (const [t, df] of await index.documentFrequencies([...missing])) known.set(t, df);
  return (term: string) => idf(documents, known.get(term) ?? 0);
}

/** Each request word's typo neighbours the index holds. */
function typoNeighbours(terms: readonly QueryTerm[]): Map<string, string[]> {
  const typoOf = new Map<string, string[]>();
  for (const q of terms) {
    if (q.indexed !== undefined && q.indexed !== q.term)
      typoOf.set(q.term, [...(typoOf.get(q.term) ?? []), q.indexed]);
  }
  return typoOf;
}

/** Synonym groups the request names, by the words of their phrases it used. */
function queryGroupsOf(
  terms: readonly QueryTerm[],
  synonyms: CompiledSynonyms,
  request: ComparedText,
): (term: string) => readonly string[] {
  const groupsByTerm = new Map<string, readonly string[]>();
  for (const q of terms) {
    const groups = (synonyms.groupsOf.get(q.term) ?? []).filter((g) => request.has(g));
    if (groups.length > 0) groupsByTerm.set(q.term, groups);
  }
  return (term: string) => groupsByTerm.get(term) ?? [];
}

/** One leader's similarity, confidence and the evidence for them. */
function scoreCandidate(id: string, doc: DocumentStats, s: Scoring): Candidate {
  const { query, options } = s;
  const { score, hits } = scoreDocument(doc, s.terms, s.params, s.queryGroups, s.context.learned);
  const bm25Norm = s.selfScore > 0 ? Math.min(1, score / s.selfScore) : 0;
  const titleTerms = cosineOfSets(s.request.titleTerms, doc.titleTerms, s.titleIdf);
  const titleGrams = cosineOfSets(query.titleGrams, doc.titleGrams, () => 1);
  const compared = compareTitles(
    s.request,
    { titleTerms: doc.titleTerms, has: (t) => doc.terms.has(t) },
    s.context,
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
  return {
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
  };
}
