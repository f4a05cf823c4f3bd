import { stem } from './stem.ts';

/**
 * Words that carry no meaning in a feature request: English function words and request boilerplate
 * ("please add", "it would be nice", "feature request"). Verbs that say what to do (add, remove, export) stay.
 */
const STOP_WORDS = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between
  both but by can could did do does doing down during each few for from further had has have having he her here
  hers herself him himself his how i if in into is it its itself just let me more most my myself no nor not now of
  off on once only or other our ours ourselves out over own same she should so some such than that the their
  theirs them themselves then there these they this those through to too under until up us very was we were what
  when where which while who whom why will with would you your yours yourself yourselves
  hi hello hey dear please pls plz thanks thank thx cheers regards
  like love want wish need needs nice great able possible possibility ability way maybe really
  feature request requests suggestion idea`.split(/\s+/),
);

/** Lower-case, Latin accents folded, so "Café" and "cafe" are one word. */
function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]+/g, '')
    .normalize('NFC');
}

/** Splits an identifier into its parts: "lastInsertedRowID" → last, inserted, row, id; "max_file_size" → max, file, size. */
function identifierParts(raw: string): string[] {
  return raw
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
    .split(/[_\s]+/)
    .filter((p) => p !== '');
}

export interface Token {
  /** Lower-case surface form, stop words already removed (used for character n-grams and evidence). */
  word: string;
  /** Porter stem of `word` (the index term). */
  term: string;
  /** A stop word: kept only by `tokeniseAll`, so phrases such as "log in" and "log out" stay apart. */
  stop: boolean;
}

/**
 * Words of a text in order, stop words and one-letter words dropped. An identifier written in camelCase or
 * snake_case yields its whole form and then its parts, so "lastInsertedRowID" matches "last inserted row id".
 */
export function tokenise(text: string): Token[] {
  return tokeniseAll(text).filter((t) => !t.stop);
}

/** `tokenise` with the stop words kept (flagged), for matching multi-word phrases. */
export function tokeniseAll(text: string): Token[] {
  const tokens: Token[] = [];
  // A version such as "3.4.0" or "v13.0" stays one token: "upgrade to 3.4.0" and "upgrade to 2.8.2" differ.
  for (const match of fold(text).matchAll(/\p{L}*\p{N}+(?:\.\p{N}+)+|[\p{L}\p{N}_]+/gu)) {
    const raw = match[0];
    const parts = identifierParts(raw);
    const words = parts.length > 1 ? [raw.replace(/_/g, ''), ...parts] : parts;
    for (const w of words) {
      const word = w.toLowerCase();
      if (word.length < 2 && !/\d/.test(word)) continue;
      const stop = STOP_WORDS.has(word);
      tokens.push({ word, term: stop ? word : stem(word), stop });
    }
  }
  return tokens;
}
