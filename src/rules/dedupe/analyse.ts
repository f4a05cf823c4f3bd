import { stripQuotesAndSignature } from './clean.ts';
import { type CompiledSynonyms, synonymTerms } from './synonyms.ts';
import { tokenise, tokeniseAll } from './tokenise.ts';

/** Term frequencies of one field and its length in terms. */
interface FieldTerms {
  tf: ReadonlyMap<string, number>;
  length: number;
}

/** What the engine knows about a text: both fields as terms, and the title's character trigrams. */
export interface AnalysedText {
  title: FieldTerms;
  body: FieldTerms;
  /** Distinct character trigrams of the title's content words (unstemmed, so typos still share most of them). */
  titleGrams: readonly string[];
}

export interface TextInput {
  title: string;
  body?: string | undefined;
}

function fieldTerms(text: string, synonyms: CompiledSynonyms): FieldTerms {
  const all = tokeniseAll(text);
  const terms = [...all.filter((t) => !t.stop).map((t) => t.term), ...synonymTerms(all, synonyms)];
  const tf = new Map<string, number>();
  for (const term of terms) tf.set(term, (tf.get(term) ?? 0) + 1);
  return { tf, length: terms.length };
}

/** Trigrams of each word padded with a space on both sides: "mode" → " mo", "mod", "ode", "de ". */
function wordTrigrams(words: readonly string[]): string[] {
  const grams = new Set<string>();
  for (const word of words) {
    const padded = ` ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) grams.add(padded.slice(i, i + 3));
  }
  return [...grams];
}

export function analyse(input: TextInput, synonyms: CompiledSynonyms): AnalysedText {
  return {
    title: fieldTerms(input.title, synonyms),
    body: fieldTerms(stripQuotesAndSignature(input.body ?? ''), synonyms),
    titleGrams: wordTrigrams(tokenise(input.title).map((t) => t.word)),
  };
}
