import type { z } from 'zod';

/**
 * U+0000 in submitted text. Postgres refuses it in `text` and `jsonb` (PGlite too), so a string holding one would
 * fail at the insert as a 500; every string the API takes is refused with a 400 naming the field instead.
 */

const NUL = '\u0000';

export const hasNul = (text: string): boolean => text.includes(NUL);

export const nulMessage = (what: string): string => `${what} must not contain a NUL character (\\u0000)`;

/** The string schema, refusing U+0000 with a message naming `what`. */
export function refuseNul<T extends z.ZodType<string>>(schema: T, what: string): T {
  return schema.refine((text) => !hasNul(text), nulMessage(what));
}

/** Where in a JSON value a string (or an object key) holds U+0000: for schemas that take nested free text. */
export function nulPaths(value: unknown, path: PropertyKey[] = []): PropertyKey[][] {
  if (typeof value === 'string') return hasNul(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulPaths(v, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      hasNul(k) ? [[...path, k]] : nulPaths(v, [...path, k]),
    );
  }
  return [];
}
