import type { AnalysedText } from './analyse.ts';
import {
  type Bm25Params,
  bm25Contribution,
  type CorpusStats,
  type DedupeIndex,
  type DocumentStats,
  type Posting,
  type WeightedTerm,
} from './dedupe-index.ts';
import { editDistance } from './edit-distance.ts';

/** Terms shorter than this are never typo-matched: too many short words are one edit apart. */
export const MIN_FUZZY_LENGTH = 5;

function termGrams(term: string): string[] {
  const padded = ` ${term} `;
  const grams: string[] = [];
  for (let i = 0; i + 3 <= padded.length; i++) grams.push(padded.slice(i, i + 3));
  return grams;
}

/** Edits allowed for a typo: one for most words, two for long ones. */
function allowedEdits(term: string): number {
  return term.length >= 9 ? 2 : 1;
}

/** A term long enough, and a plain word (not a `~` phrase), for typo neighbours to be looked up. */
export const fuzzyEligible = (term: string) => term.length >= MIN_FUZZY_LENGTH && !term.startsWith('~');

/** Whether `candidate` is a typo neighbour of `term` (the ranker keeps an index's candidates by it). */
export function isTypoNeighbour(term: string, candidate: string): boolean {
  if (candidate === term || !fuzzyEligible(term) || candidate.startsWith('~')) return false;
  // Stemming cuts a misspelt word elsewhere than the word it stands for ("calender" → "calend", "calendar" →
  // "calendar"): a stem that the other starts with, up to two letters shorter, is a neighbour too.
  const [shorter, longer] = term.length <= candidate.length ? [term, candidate] : [candidate, term];
  if (
    shorter.length >= MIN_FUZZY_LENGTH &&
    longer.length - shorter.length <= 2 &&
    longer.startsWith(shorter)
  ) {
    return true;
  }
  const max = allowedEdits(term);
  return Math.abs(term.length - candidate.length) <= max && editDistance(term, candidate, max) <= max;
}

/** What the index stores of a document: its vector, field lengths and title trigrams. */
export interface IndexedDocument {
  vector: Map<string, [number, number]>;
  titleLength: number;
  bodyLength: number;
  titleGrams: readonly string[];
}

export function indexedDocument(text: AnalysedText): IndexedDocument {
  return {
    vector: termVector(text),
    titleLength: text.title.length,
    bodyLength: text.body.length,
    titleGrams: text.titleGrams,
  };
}

/** Keeps, of an index's trigram candidates for each term, the ones the edit-distance rule accepts. */
export function keepTypoNeighbours(
  candidates: ReadonlyMap<string, readonly { term: string; df: number }[]>,
): Map<string, { term: string; df: number }[]> {
  const similar = new Map<string, { term: string; df: number }[]>();
  for (const [query, list] of candidates) {
    const kept = list.filter((c) => isTypoNeighbour(query, c.term));
    if (kept.length > 0) similar.set(query, kept);
  }
  return similar;
}

/** A document's full vector as stored: term → [title tf, body tf]. */
export function termVector(text: AnalysedText): Map<string, [number, number]> {
  const terms = new Map<string, [number, number]>();
  for (const [term, tf] of text.title.tf) terms.set(term, [tf, 0]);
  for (const [term, tf] of text.body.tf) {
    const entry = terms.get(term);
    if (entry) entry[1] = tf;
    else terms.set(term, [0, tf]);
  }
  return terms;
}

/** The index in process memory: for tests, `dedupe-eval`, and as the reference the store-backed index must match. */
export class InMemoryDedupeIndex implements DedupeIndex {
  readonly #postings = new Map<string, Map<string, Posting>>();
  readonly #documents = new Map<string, DocumentStats>();
  /** Vocabulary by trigram, to find typo candidates without scanning every term. */
  readonly #vocabulary = new Map<string, Set<string>>();
  #titleLengthSum = 0;
  #bodyLengthSum = 0;

  add(id: string, text: AnalysedText): void {
    if (this.#documents.has(id)) this.remove(id);
    const terms = termVector(text);
    for (const [term, [titleTf, bodyTf]] of terms) {
      let list = this.#postings.get(term);
      if (!list) {
        list = new Map();
        this.#postings.set(term, list);
        if (!term.startsWith('~')) for (const g of termGrams(term)) this.#gramSet(g).add(term);
      }
      list.set(id, { id, titleTf, bodyTf, titleLength: text.title.length, bodyLength: text.body.length });
    }
    this.#documents.set(id, {
      id,
      titleLength: text.title.length,
      bodyLength: text.body.length,
      terms,
      titleTerms: [...text.title.tf.keys()],
      titleGrams: text.titleGrams,
    });
    this.#titleLengthSum += text.title.length;
    this.#bodyLengthSum += text.body.length;
  }

  remove(id: string): void {
    const doc = this.#documents.get(id);
    if (!doc) return;
    for (const term of doc.terms.keys()) {
      const list = this.#postings.get(term);
      list?.delete(id);
      if (list && list.size === 0) {
        this.#postings.delete(term);
        for (const g of termGrams(term)) this.#vocabulary.get(g)?.delete(term);
      }
    }
    this.#documents.delete(id);
    this.#titleLengthSum -= doc.titleLength;
    this.#bodyLengthSum -= doc.bodyLength;
  }

  has(id: string): boolean {
    return this.#documents.has(id);
  }

  async stats(): Promise<CorpusStats> {
    return this.statsNow();
  }

  statsNow(): CorpusStats {
    const documents = this.#documents.size;
    return {
      documents,
      avgTitleLength: documents ? this.#titleLengthSum / documents : 0,
      avgBodyLength: documents ? this.#bodyLengthSum / documents : 0,
    };
  }

  async documentFrequencies(terms: readonly string[]): Promise<ReadonlyMap<string, number>> {
    return new Map(terms.map((t) => [t, this.#postings.get(t)?.size ?? 0]));
  }

  async similarTerms(
    terms: readonly string[],
  ): Promise<ReadonlyMap<string, readonly { term: string; df: number }[]>> {
    const result = new Map<string, { term: string; df: number }[]>();
    for (const term of terms) {
      if (!fuzzyEligible(term)) continue;
      const grams = termGrams(term);
      const shared = new Map<string, number>();
      for (const g of grams)
        for (const t of this.#vocabulary.get(g) ?? []) shared.set(t, (shared.get(t) ?? 0) + 1);
      // Each edit changes at most four trigrams (a swap of two letters), so a neighbour shares at least this many;
      // a prefix neighbour shares all but the last.
      const needed = Math.max(1, grams.length - 4 * allowedEdits(term));
      const similar: { term: string; df: number }[] = [];
      for (const [candidate, count] of shared) {
        if (count >= needed && isTypoNeighbour(term, candidate)) {
          similar.push({ term: candidate, df: this.#postings.get(candidate)?.size ?? 0 });
        }
      }
      if (similar.length > 0) result.set(term, similar);
    }
    return result;
  }

  async retrieve(
    terms: readonly WeightedTerm[],
    params: Bm25Params,
    limit: number,
  ): Promise<readonly { id: string; score: number }[]> {
    const scores = new Map<string, number>();
    for (const { term, weight } of terms) {
      for (const p of this.#postings.get(term)?.values() ?? []) {
        const s = weight * bm25Contribution(p.titleTf, p.bodyTf, p.titleLength, p.bodyLength, params);
        scores.set(p.id, (scores.get(p.id) ?? 0) + s);
      }
    }
    return [...scores.entries()]
      .map(([id, score]) => ({ id, score }))
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .slice(0, limit);
  }

  async documents(ids: readonly string[]): Promise<ReadonlyMap<string, DocumentStats>> {
    const found = new Map<string, DocumentStats>();
    for (const id of ids) {
      const doc = this.#documents.get(id);
      if (doc) found.set(id, doc);
    }
    return found;
  }

  #gramSet(gram: string): Set<string> {
    let set = this.#vocabulary.get(gram);
    if (!set) {
      set = new Set();
      this.#vocabulary.set(gram, set);
    }
    return set;
  }
}
