import type { z } from 'zod';

/**
 * U+0000 in text. Postgres refuses it in `text` and `jsonb` (PGlite too), so a string holding one would fail at the
 * insert. Text an API caller sent is refused with a 400 naming the field (the caller can send it again); text a
 * third party wrote (a pulled ticket, a tracker webhook) has it removed instead, since refusing would lose it.
 */

const NUL = '\u0000';

const hasNul = (text: string): boolean => text.includes(NUL);

export const nulMessage = (what: string): string => `${what} must not contain a NUL character (\\u0000)`;

/** The string schema, refusing U+0000 with a message naming `what`. */
export function refuseNul<T extends z.ZodType<string>>(schema: T, what: string): T {
  return schema.refine((text) => !hasNul(text), nulMessage(what));
}

/**
 * Every string of a JSON value, object keys included, with its path: the one walk both helpers below share.
 * `visit` returns the string's replacement.
 */
function mapStrings(
  value: unknown,
  visit: (text: string, path: PropertyKey[]) => string,
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === 'string') return visit(value, path);
  if (Array.isArray(value)) return value.map((v, i) => mapStrings(v, visit, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [visit(k, [...path, k]), mapStrings(v, visit, [...path, k])]),
    );
  }
  return value;
}

/** Where in a JSON value a string (or an object key) holds U+0000: for schemas that take nested free text. */
export function nulPaths(value: unknown): PropertyKey[][] {
  const found: PropertyKey[][] = [];
  mapStrings(value, (text, path) => {
    if (hasNul(text) && !found.some((p) => startsWith(path, p))) found.push(path);
    return text;
  });
  return found;
}

const startsWith = (path: PropertyKey[], prefix: PropertyKey[]) =>
  prefix.length <= path.length && prefix.every((p, i) => path[i] === p);

/**
 * U+0000 taken out of every string of a JSON value, keys included. A NUL carries no text, so removing it changes
 * nothing a person reads.
 */
export function withoutNul<T>(value: T): T {
  return mapStrings(value, (text) => text.replaceAll(NUL, '')) as T;
}
