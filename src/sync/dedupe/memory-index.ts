import type { AnalysedText } from './analyse.ts';
import type { CorpusStats, DedupeIndex, DocumentStats, Posting } from './dedupe-index.ts';
import { editDistance } from './edit-distance.ts';

/** Terms shorter than this are never typo-matched: too many short words are one edit apart. */
const MIN_FUZZY_LENGTH = 5;

function termGrams(term: string): string[] {
  const padded = ` ${term} `;
  const grams: string[] = [];
  for (let i = 0; i + 3 <= padded.length; i++) grams.push(padded.slice(i, i + 3));
  return grams;
}

/** Edits allowed for a typo: one for most words, two for long ones. */
export function allowedEdits(term: string): number {
  return term.length >= 9 ? 2 : 1;
}

/** The index in process memory: for tests, `dedupe-eval`, and as the reference a store-backed index must match. */
export class InMemoryDedupeIndex implements DedupeIndex {
  readonly #postings = new Map<string, Map<string, Posting>>();
  readonly #documents = new Map<string, { stats: DocumentStats; terms: string[] }>();
  /** Vocabulary by trigram, to find typo candidates without scanning every term. */
  readonly #vocabulary = new Map<string, Set<string>>();
  #titleLengthSum = 0;
  #bodyLengthSum = 0;

  add(id: string, text: AnalysedText): void {
    if (this.#documents.has(id)) this.remove(id);
    const terms = new Set([...text.title.tf.keys(), ...text.body.tf.keys()]);
    for (const term of terms) {
      let list = this.#postings.get(term);
      if (!list) {
        list = new Map();
        this.#postings.set(term, list);
        if (!term.startsWith('~')) for (const g of termGrams(term)) this.#gramSet(g).add(term);
      }
      list.set(id, { id, titleTf: text.title.tf.get(term) ?? 0, bodyTf: text.body.tf.get(term) ?? 0 });
    }
    this.#documents.set(id, {
      stats: {
        id,
        titleLength: text.title.length,
        bodyLength: text.body.length,
        titleTerms: [...text.title.tf.keys()],
        titleGrams: text.titleGrams,
      },
      terms: [...terms],
    });
    this.#titleLengthSum += text.title.length;
    this.#bodyLengthSum += text.body.length;
  }

  remove(id: string): void {
    const doc = this.#documents.get(id);
    if (!doc) return;
    for (const term of doc.terms) {
      const list = this.#postings.get(term);
      list?.delete(id);
      if (list && list.size === 0) {
        this.#postings.delete(term);
        for (const g of termGrams(term)) this.#vocabulary.get(g)?.delete(term);
      }
    }
    this.#documents.delete(id);
    this.#titleLengthSum -= doc.stats.titleLength;
    this.#bodyLengthSum -= doc.stats.bodyLength;
  }

  has(id: string): boolean {
    return this.#documents.has(id);
  }

  postings(term: string): readonly Posting[] {
    const list = this.#postings.get(term);
    return list ? [...list.values()] : [];
  }

  documentFrequency(term: string): number {
    return this.#postings.get(term)?.size ?? 0;
  }

  document(id: string): DocumentStats | undefined {
    return this.#documents.get(id)?.stats;
  }

  stats(): CorpusStats {
    const documents = this.#documents.size;
    return {
      documents,
      avgTitleLength: documents ? this.#titleLengthSum / documents : 0,
      avgBodyLength: documents ? this.#bodyLengthSum / documents : 0,
    };
  }

  similarTerms(term: string): readonly string[] {
    if (term.length < MIN_FUZZY_LENGTH || term.startsWith('~')) return [];
    const max = allowedEdits(term);
    const grams = termGrams(term);
    const shared = new Map<string, number>();
    for (const g of grams)
      for (const t of this.#vocabulary.get(g) ?? []) shared.set(t, (shared.get(t) ?? 0) + 1);
    // Each edit changes at most three trigrams, so a term within `max` edits shares at least this many.
    const needed = Math.max(1, grams.length - 3 * max);
    const similar: string[] = [];
    for (const [candidate, count] of shared) {
      if (candidate === term || count < needed) continue;
      if (editDistance(term, candidate, max) <= max) similar.push(candidate);
    }
    return similar;
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
