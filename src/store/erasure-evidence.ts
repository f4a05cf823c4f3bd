import { sql } from 'drizzle-orm';
import { requestDocumentId } from './dedupe-index.repo.ts';
import type { Tx } from './feature-writes.ts';

/**
 * Other requests' triage evidence, and a feature's possible-duplicate evidence, list the words a candidate matched
 * as the index held them: when the candidate was an erased request's document, those words (and typo and opposite
 * pairs) are its requester's. They go; the scores and the document id stay, so the decision still reads.
 */
export async function scrubCandidateEvidence(tx: Tx, requestIds: readonly string[]): Promise<void> {
  if (requestIds.length === 0) return;
  const documents = sql.param(requestIds.map(requestDocumentId));
  const scrub = (c: ReturnType<typeof sql.raw>) =>
    sql`(${c} - 'matchedTerms' - 'typos' - 'opposites') || '{"erased": true}'::jsonb`;
  await tx.execute(sql`
    update triage_decisions set evidence = jsonb_set(evidence, '{candidates}', (
      select jsonb_agg(case when e.c->>'documentId' = any(${documents}::text[]) then ${scrub(sql.raw('e.c'))}
                            else e.c end order by e.n)
      from jsonb_array_elements(evidence->'candidates') with ordinality as e(c, n)))
    where jsonb_typeof(evidence->'candidates') = 'array'
      and exists (select 1 from jsonb_array_elements(evidence->'candidates') as h(c)
                  where h.c->>'documentId' = any(${documents}::text[]))`);
  await tx.execute(sql`
    update features set possible_duplicate_evidence = ${scrub(sql.raw('possible_duplicate_evidence'))}
    where possible_duplicate_evidence->>'documentId' = any(${documents}::text[])`);
}
