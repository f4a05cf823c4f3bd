import { sql } from 'drizzle-orm';
import type { AnalysedText } from '../rules/dedupe/analyse.ts';
import { termVector } from '../rules/dedupe/memory-index.ts';
import { type Db, queryRows } from '../store/db.ts';
import { featureDocumentId, lockDedupeIndex, requestDocumentId } from '../store/dedupe-index.repo.ts';
import type { Tx } from '../store/feature-writes.ts';

/** The dedupe index rebuilt from the requests and imported titles when the analysis changed. */

const asParam = <T>(value: T) => sql.param(value);

const REBUILD_BATCH = 500;

/**
 * Makes the index match the requests under the current analysis. When the stored fingerprint differs (first
 * start after an upgrade, a new synonym table, an analysis change) every document is rebuilt in one transaction
 * under the index lock: triage waits, then sees the whole new index, never half of it.
 */
export async function ensureDedupeIndex(
  db: Db,
  analyse: Analyse,
  fingerprint: string,
): Promise<{ rebuilt: boolean; documents: number }> {
  return db.transaction(async (tx) => {
    await lockDedupeIndex(tx);
    const [current] = await queryRows<{ analysis: string; documents: number }>(
      tx,
      sql`select analysis, documents from dedupe_corpus where id = 1`,
    );
    if (current?.analysis === fingerprint) return { rebuilt: false, documents: current.documents };
    await tx.execute(sql`delete from dedupe_postings`);
    await tx.execute(sql`delete from dedupe_documents`);
    await tx.execute(sql`delete from dedupe_terms`);
    await tx.execute(sql`delete from dedupe_corpus`);

    const rebuild = createRebuild(tx);
    await rebuildRequests(tx, analyse, rebuild.write);
    await rebuildImportedTitles(tx, analyse, rebuild.write);
    const { df, documents, titleSum, bodySum } = rebuild;
    const terms = [...df.keys()];
    if (terms.length > 0) {
      await tx.execute(sql`
        insert into dedupe_terms (term, df)
        select * from unnest(${asParam(terms)}::text[], ${asParam(terms.map((t) => df.get(t) ?? 0))}::int[])`);
    }
    await tx.execute(sql`
      insert into dedupe_corpus (id, documents, title_length_sum, body_length_sum, analysis)
      values (1, ${documents()}, ${titleSum()}, ${bodySum()}, ${fingerprint})`);
    return { rebuilt: true, documents: documents() };
  });
}

type Analyse = (input: { title: string; body?: string }) => AnalysedText;
type RebuildBatch = { id: string; featureId: string; text: AnalysedText }[];

/** Writes a rebuild's documents and postings batch by batch, and counts its term frequencies and totals. */
function createRebuild(tx: Tx) {
  const df = new Map<string, number>();
  let documents = 0;
  let titleSum = 0;
  let bodySum = 0;
  const write = async (batch: RebuildBatch) => {
    if (batch.length === 0) return;
    const postings: { term: string; doc: string; t: number; b: number; tl: number; bl: number }[] = [];
    for (const d of batch) {
      const vector = termVector(d.text);
      for (const [term, [t, b]] of vector) {
        postings.push({ term, doc: d.id, t, b, tl: d.text.title.length, bl: d.text.body.length });
        df.set(term, (df.get(term) ?? 0) + 1);
      }
      documents++;
      titleSum += d.text.title.length;
      bodySum += d.text.body.length;
    }
    await tx.execute(sql`
      insert into dedupe_documents (id, feature_id, title_length, body_length, terms, title_grams)
      select id, feature_id, tl, bl, terms, array(select jsonb_array_elements_text(grams))
      from unnest(${asParam(batch.map((d) => d.id))}::text[], ${asParam(batch.map((d) => d.featureId))}::uuid[],
                  ${asParam(batch.map((d) => d.text.title.length))}::int[],
                  ${asParam(batch.map((d) => d.text.body.length))}::int[],
                  ${asParam(batch.map((d) => JSON.stringify(Object.fromEntries(termVector(d.text)))))}::jsonb[],
                  ${asParam(batch.map((d) => JSON.stringify(d.text.titleGrams)))}::jsonb[])
           as v(id, feature_id, tl, bl, terms, grams)`);
    await tx.execute(sql`
      insert into dedupe_postings (term, document_id, title_tf, body_tf, title_length, body_length)
      select * from unnest(${asParam(postings.map((p) => p.term))}::text[], ${asParam(postings.map((p) => p.doc))}::text[],
                           ${asParam(postings.map((p) => p.t))}::int[], ${asParam(postings.map((p) => p.b))}::int[],
                           ${asParam(postings.map((p) => p.tl))}::int[], ${asParam(postings.map((p) => p.bl))}::int[])`);
  };
  return { write, df, documents: () => documents, titleSum: () => titleSum, bodySum: () => bodySum };
}

/** Every triaged request, in id order (keyset pages). */
async function rebuildRequests(tx: Tx, analyse: Analyse, write: (batch: RebuildBatch) => Promise<void>) {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await queryRows<{ id: string; feature_id: string; title: string; body: string }>(
      tx,
      sql`select id, feature_id, title, body from requests
          where feature_id is not null and id > ${after}::uuid order by id limit ${REBUILD_BATCH}`,
    );
    await write(
      rows.map((r) => ({
        id: requestDocumentId(r.id),
        featureId: r.feature_id,
        text: analyse({ title: r.title, body: r.body }),
      })),
    );
    const last = rows[rows.length - 1];
    if (!last || rows.length < REBUILD_BATCH) break;
    after = last.id;
  }
}

/** The titles of imported features, each under the live feature it was merged into (or itself). */
async function rebuildImportedTitles(
  tx: Tx,
  analyse: Analyse,
  write: (batch: RebuildBatch) => Promise<void>,
) {
  const imported = await queryRows<{ id: string; title: string; live: string }>(
    tx,
    sql`select distinct on (l.feature_id) l.feature_id as id, f.title,
               coalesce(f.merged_into_id, f.id) as live
        from tracker_links l join features f on f.id = l.feature_id
        where l.origin = 'imported'`,
  );
  for (let i = 0; i < imported.length; i += REBUILD_BATCH) {
    await write(
      imported.slice(i, i + REBUILD_BATCH).map((f) => ({
        id: featureDocumentId(f.id),
        featureId: f.live,
        text: analyse({ title: f.title }),
      })),
    );
  }
}
