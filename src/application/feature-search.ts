import type { AnalysedText, TextInput } from '../rules/dedupe/analyse.ts';
import { tokeniseAll } from '../rules/dedupe/tokenise.ts';

/**
 * Words typed in the console's search, as the dedupe index holds them: triage's analysis (tokens, stems,
 * synonym groups), so "night mode" finds a feature asked for as "dark theme". Each group is one word of the
 * search: a feature matches when its requests hold, for every group, one of its terms.
 */

/** At most this many words of a search count: a search is a few words, not a paragraph. */
const MAX_WORDS = 8;

/**
 * The term groups of a search: each content word's stem, with the synonym group term of the phrase it is part
 * of ("night" in "night mode" is satisfied by "night" or by "~dark_mode"). A word is part of a phrase when
 * taking it out of the search takes that group term away.
 */
export function searchTermGroups(q: string, analyse: (input: TextInput) => AnalysedText): string[][] {
  const words = tokeniseAll(q).map((t) => t.word);
  const whole = analyse({ title: words.join(' ') }).title.tf;
  const groupTerms = [...whole.keys()].filter((term) => term.startsWith('~'));
  const stems = [
    ...new Set(
      tokeniseAll(q)
        .filter((t) => !t.stop)
        .map((t) => t.term),
    ),
  ].slice(0, MAX_WORDS);
  return stems.map((stem) => {
    if (groupTerms.length === 0) return [stem];
    const without = analyse({
      title: tokeniseAll(q)
        .filter((t) => t.term !== stem)
        .map((t) => t.word)
        .join(' '),
    }).title.tf;
    return [stem, ...groupTerms.filter((term) => (without.get(term) ?? 0) < (whole.get(term) ?? 0))];
  });
}
