import { sql } from 'drizzle-orm';
import { type Db, queryRows } from './db.ts';
import type { Tx } from './feature-writes.ts';

/** Typo look-ups in the dedupe index's vocabulary (pg_trgm): what the index offers the ranker as `similarTerms`. */

/** Trigram similarity a typo neighbour must reach to be considered at all (then edit distance decides). */
const TYPO_TRIGRAM_THRESHOLD = 0.2;

const asParam = <T>(value: T) => sql.param(value);

/** Candidate typo neighbours of each term, by trigram similarity (the ranker applies the edit-distance rule). */
export async function findSimilarTerms(
  tx: Tx | Db,
  terms: readonly string[],
): Promise<Map<string, { term: string; df: number }[]>> {
  if (terms.length === 0) return new Map();
  // The threshold is set local to a transaction (a savepoint inside the caller's), so it holds for the query
  // whether or not the caller runs in one, and never leaks to a pooled connection.
  const rows = await tx.transaction(async (t) => {
    await t.execute(
      sql`select set_config('pg_trgm.similarity_threshold', ${String(TYPO_TRIGRAM_THRESHOLD)}, true)`,
    );
    return queryRows<{ query: string; term: string; df: number }>(
      t,
      sql`select q.term as query, t.term, t.df
          from unnest(${asParam([...terms])}::text[]) as q(term)
          cross join lateral (
            select term, df from dedupe_terms
            where term % q.term and df > 0 and term <> q.term
              and length(term) between length(q.term) - 2 and length(q.term) + 2
            order by similarity(term, q.term) desc
            limit 20
          ) t`,
    );
  });
  const similar = new Map<string, { term: string; df: number }[]>();
  for (const r of rows) {
    const list = similar.get(r.query) ?? [];
    list.push({ term: r.term, df: r.df });
    similar.set(r.query, list);
  }
  return similar;
}
