import { tokeniseAll } from '../../rules/dedupe/tokenise.ts';

/**
 * The words of a text that triage matched, as segments the review template wraps in `<mark>` (no HTML is built
 * here). Triage stores index terms (stems, and `~group` for a synonym group), so each word of the text is run
 * through the same tokeniser and marked when one of its terms is among them: "exporting" is marked for "export".
 */

export interface Segment {
  text: string;
  mark: boolean;
}

export interface MatchedWords {
  matchedTerms?: unknown;
  typos?: unknown;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/**
 * The terms a word may carry to be marked: the matched stems, both sides of each typo match, and the words of a
 * synonym group's name (`~dark_mode` → dark, mode; its other phrases are the engine's configuration, not stored).
 */
export function markedTerms(evidence: MatchedWords): Set<string> {
  const terms = new Set<string>();
  for (const term of strings(evidence.matchedTerms)) {
    if (term.startsWith('~')) for (const part of term.slice(1).split('_')) terms.add(part);
    else terms.add(term);
  }
  const typos = evidence.typos;
  if (typos && typeof typos === 'object' && !Array.isArray(typos)) {
    for (const [typed, indexed] of Object.entries(typos)) {
      terms.add(typed);
      if (typeof indexed === 'string') terms.add(indexed);
    }
  }
  return terms;
}

/** `text` cut into runs of marked and unmarked characters; joined, the segments are the text again. */
export function highlight(text: string, terms: ReadonlySet<string>): Segment[] {
  const segments: Segment[] = [];
  const push = (piece: string, mark: boolean) => {
    if (piece === '') return;
    const last = segments[segments.length - 1];
    if (last && last.mark === mark) last.text += piece;
    else segments.push({ text: piece, mark });
  };
  let at = 0;
  if (terms.size > 0) {
    for (const match of text.matchAll(/[\p{L}\p{N}_]+/gu)) {
      const word = match[0];
      if (!tokeniseAll(word).some((t) => !t.stop && terms.has(t.term))) continue;
      push(text.slice(at, match.index), false);
      push(word, true);
      at = match.index + word.length;
    }
  }
  push(text.slice(at), false);
  return segments;
}
