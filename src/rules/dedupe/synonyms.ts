import { type Token, tokenise, tokeniseAll } from './tokenise.ts';

/**
 * Product words that name one thing in several ways. Each group's phrases share one extra index term, so
 * "night mode" matches "dark theme" without losing the words themselves. Configurable: the service passes its
 * own table (from YAML) in place of this default.
 */
export const DEFAULT_SYNONYMS: readonly (readonly string[])[] = [
  ['dark mode', 'night mode', 'dark theme', 'night theme', 'dark ui'],
  ['light mode', 'light theme', 'day mode'],
  ['email', 'e-mail', 'mail'],
  ['log in', 'login', 'sign in', 'signin', 'logon'],
  ['log out', 'logout', 'sign out', 'signout'],
  ['sign up', 'signup', 'register', 'registration', 'create account'],
  ['sso', 'single sign on', 'single sign-on', 'saml', 'okta login'],
  ['2fa', 'mfa', 'two factor', 'two-factor', 'multi factor', 'multi-factor', '2 factor', 'totp'],
  ['delete', 'remove', 'erase'],
  ['spreadsheet', 'excel', 'xlsx'],
  ['bulk', 'batch', 'mass', 'in bulk'],
  ['permissions', 'roles', 'access control', 'rbac', 'access rights'],
  ['webhook', 'web hook', 'webhooks'],
  ['keyboard shortcut', 'hotkey', 'shortcut key', 'key binding', 'keybinding'],
  ['mobile app', 'phone app', 'smartphone app', 'native app'],
  ['ios app', 'iphone app', 'ipad app'],
  ['calendar sync', 'sync calendar', 'calendar integration'],
];

/** Pairs of opposite actions or states: requests that differ by one of these are different needs. */
export const DEFAULT_OPPOSITES: readonly (readonly [string, string])[] = [
  ['import', 'export'],
  ['upload', 'download'],
  ['add', 'remove'],
  ['add', 'delete'],
  ['enable', 'disable'],
  ['show', 'hide'],
  ['increase', 'decrease'],
  ['allow', 'block'],
  ['allow', 'prevent'],
  ['lock', 'unlock'],
  ['subscribe', 'unsubscribe'],
  ['archive', 'unarchive'],
  ['follow', 'unfollow'],
  ['mute', 'unmute'],
  ['expand', 'collapse'],
  ['minimum', 'maximum'],
  ['dark', 'light'],
  ['login', 'logout'],
  ['encrypt', 'decrypt'],
  ['merge', 'split'],
  // One platform is not another: an iOS request does not ship with the Android app.
  ['ios', 'android'],
  ['iphone', 'android'],
  ['windows', 'mac'],
  ['windows', 'linux'],
  ['mac', 'linux'],
];

export interface CompiledSynonyms {
  /** Phrases as stem sequences, longest first, each with the term its group adds. */
  phrases: readonly { terms: readonly string[]; canonical: string }[];
  /** Stem → the group terms of the phrases it is part of ("night" → ["~dark_mode"]). */
  groupsOf: ReadonlyMap<string, readonly string[]>;
}

export function compileSynonyms(groups: readonly (readonly string[])[]): CompiledSynonyms {
  const phrases: { terms: string[]; canonical: string }[] = [];
  for (const group of groups) {
    const first = group[0];
    if (first === undefined) continue;
    const canonical = `~${tokeniseAll(first)
      .map((t) => t.term)
      .join('_')}`;
    for (const phrase of group) {
      const terms = tokeniseAll(phrase).map((t) => t.term);
      if (terms.length > 0) phrases.push({ terms, canonical });
    }
  }
  phrases.sort((a, b) => b.terms.length - a.terms.length);
  const groupsOf = new Map<string, string[]>();
  for (const { terms, canonical } of phrases) {
    for (const term of terms) {
      const groups = groupsOf.get(term) ?? [];
      if (!groups.includes(canonical)) groupsOf.set(term, [...groups, canonical]);
    }
  }
  return { phrases, groupsOf };
}

/**
 * The group terms that the phrases in `tokens` add (one per occurrence), e.g. "night mode" → "~dark_mode".
 * `tokens` come from `tokeniseAll`: stop words are part of phrases ("log in" is not "log out").
 */
export function synonymTerms(tokens: readonly Token[], synonyms: CompiledSynonyms): string[] {
  const added: string[] = [];
  let i = 0;
  while (i < tokens.length) {
    let advanced = 1;
    for (const phrase of synonyms.phrases) {
      if (phrase.terms.every((t, k) => tokens[i + k]?.term === t)) {
        added.push(phrase.canonical);
        advanced = phrase.terms.length;
        break;
      }
    }
    i += advanced;
  }
  return added;
}

export interface CompiledOpposites {
  /** Stemmed term → the stemmed terms that contradict it. */
  opposite: ReadonlyMap<string, readonly string[]>;
}

export function compileOpposites(pairs: readonly (readonly [string, string])[]): CompiledOpposites {
  const opposite = new Map<string, string[]>();
  const stemOf = (w: string) => tokenise(w)[0]?.term;
  for (const [a, b] of pairs) {
    const sa = stemOf(a);
    const sb = stemOf(b);
    if (!sa || !sb) continue;
    opposite.set(sa, [...(opposite.get(sa) ?? []), sb]);
    opposite.set(sb, [...(opposite.get(sb) ?? []), sa]);
  }
  return { opposite };
}
