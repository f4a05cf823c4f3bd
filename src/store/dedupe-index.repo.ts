import { sql } from 'drizzle-orm';
import type {
  Bm25Params,
  CorpusStats,
  DedupeIndexReader,
  DocumentStats,
  WeightedTerm,
} from '../rules/dedupe/dedupe-index.ts';
import type { IndexedDocument } from '../rules/dedupe/memory-index.ts';
import { type Db, queryRows } from './db.ts';
import type { DocumentCache } from './dedupe-document-cache.ts';
import type { Tx } from './feature-writes.ts';

/**
 * The dedupe index in the database (tables `dedupe_*`): the engine's reader over it, and its writes. Every write
 * happens inside the caller's transaction, under the triage lock (`lockDedupeIndex`), so the document
 * frequencies and corpus totals stay exact and two requests triaged at once see each other.
 */

/** A document is a request's text, or the title of a feature that has no request (an imported issue). */
export const requestDocumentId = (requestId: string) => `r:${requestId}`;
export const featureDocumentId = (featureId: string) => `f:${featureId}`;

/** Trigram similarity a typo neighbour must reach to be considered at all (then edit distance decides). */
const TYPO_TRIGRAM_THRESHOLD = 0.2;

/**
 * Serialises every change to the index and every triage decision: a request triaged while another is between
 * ranking and commit would not see it, and two near-identical requests could both start a feature.
 */
export async function lockDedupeIndex(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('suggested-sync:dedupe-index'))`);
}

export interface StoreDedupeIndex extends DedupeIndexReader {
  /** The feature each document read by `documents()` belongs to. */
  featureOf(documentId: string): string | undefined;
  /** A document not in the index yet (a request is triaged once; an imported feature is new). */
  add(documentId: string, featureId: string, document: IndexedDocument): Promise<void>;
  remove(documentId: string): Promise<void>;
  /** Documents follow their requests when a merge moves them. */
  moveFeature(fromFeatureId: string, intoFeatureId: string): Promise<void>;
  moveDocuments(documentIds: readonly string[], featureId: string): Promise<void>;
}

const asParam = <T>(value: T) => sql.param(value);

/** Corpus totals as stored: documents and the summed title and body lengths. */
interface CorpusTotals {
  documents: number;
  titleLengths: number;
  bodyLengths: number;
}

async function readCorpusTotals(tx: Tx | Db): Promise<CorpusTotals> {
  const [row] = await queryRows<{ documents: number; title: number; body: number }>(
    tx,
    sql`select documents, title_length_sum as title, body_length_sum as body from dedupe_corpus where id = 1`,
  );
  return { documents: row?.documents ?? 0, titleLengths: Number(row?.title), bodyLengths: Number(row?.body) };
}

/** Corpus totals: documents and average title and body lengths. */
function corpusStats({ documents, titleLengths, bodyLengths }: CorpusTotals): CorpusStats {
  return {
    documents,
    avgTitleLength: documents ? titleLengths / documents : 0,
    avgBodyLength: documents ? bodyLengths / documents : 0,
  };
}

/** How many documents hold each term. */
async function readDocumentFrequencies(tx: Tx | Db, terms: readonly string[]): Promise<Map<string, number>> {
  if (terms.length === 0) return new Map();
  const rows = await queryRows<{ term: string; df: number }>(
    tx,
    // A join on the primary key: with `term = any(…)` the planner may pick the trigram index (it supports
    // equality too), a scan per term that costs milliseconds each.
    sql`select t.term, t.df from unnest(${asParam([...terms])}::text[]) as q(term)
        join dedupe_terms t on t.term = q.term`,
  );
  return new Map(rows.map((r) => [r.term, r.df]));
}

/** Candidate typo neighbours of each term, by trigram similarity (the ranker applies the edit-distance rule). */
async function findSimilarTerms(
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

/** The best-scoring documents for the weighted terms. */
async function retrieveDocuments(tx: Tx | Db, terms: readonly WeightedTerm[], p: Bm25Params, limit: number) {
  if (terms.length === 0) return [];
  // The same BM25F contribution as bm25Contribution() in rules/dedupe/dedupe-index.ts, summed in the database
  // so only the leaders travel.
  const rows = await queryRows<{ id: string; score: number }>(
    tx,
    sql`select p.document_id as id,
               sum(q.w * (x.tf * (${p.k1}::float8 + 1)) / (x.tf + ${p.k1}::float8)) as score
        from unnest(${asParam(terms.map((t) => t.term))}::text[], ${asParam(terms.map((t) => t.weight))}::float8[])
             as q(term, w)
        join dedupe_postings p on p.term = q.term
        cross join lateral (
          select (${p.titleWeight}::float8 * p.title_tf)
                   / (1 - ${p.bTitle}::float8 + ${p.bTitle}::float8 * p.title_length / ${p.avgTitleLength || 1}::float8)
                 + p.body_tf
                   / (1 - ${p.bBody}::float8 + ${p.bBody}::float8 * p.body_length / ${p.avgBodyLength || 1}::float8)
                 as tf
        ) x
        group by p.document_id
        order by score desc, id
        limit ${limit}`,
  );
  return rows.map((r) => ({ id: r.id, score: Number(r.score) }));
}

/**
 * The documents' stored statistics; records each one's feature in `features`. With a cache, their row versions
 * are read first, and only the documents the cache lacks at that version are read in full (and kept).
 */
async function readDocuments(
  tx: Tx | Db,
  ids: readonly string[],
  features: Map<string, string>,
  cache?: DocumentCache,
): Promise<Map<string, DocumentStats>> {
  const docs = new Map<string, DocumentStats>();
  let wanted = ids;
  if (cache && ids.length > 0) {
    const versions = await queryRows<{ id: string; feature_id: string; version: string }>(
      tx,
      sql`select id, feature_id, xmin::text as version
          from dedupe_documents where id = any(${asParam([...ids])}::text[])`,
    );
    const lacking: string[] = [];
    for (const r of versions) {
      features.set(r.id, r.feature_id);
      const kept = cache.get(r.id, r.version);
      if (kept) docs.set(r.id, kept);
      else lacking.push(r.id);
    }
    wanted = lacking;
  }
  if (wanted.length === 0) return docs;
  const rows = await queryRows<{
    id: string;
    feature_id: string;
    version: string;
    title_length: number;
    body_length: number;
    terms: Record<string, [number, number]>;
    title_grams: string[];
  }>(
    tx,
    sql`select id, feature_id, xmin::text as version, title_length, body_length, terms, title_grams
        from dedupe_documents where id = any(${asParam([...wanted])}::text[])`,
  );
  for (const r of rows) {
    features.set(r.id, r.feature_id);
    const terms = new Map(Object.entries(r.terms));
    const stats: DocumentStats = {
      id: r.id,
      titleLength: r.title_length,
      bodyLength: r.body_length,
      terms,
      titleTerms: [...terms].filter(([, [titleTf]]) => titleTf > 0).map(([t]) => t),
      titleGrams: r.title_grams,
    };
    docs.set(r.id, stats);
    cache?.set(r.id, r.version, stats);
  }
  return docs;
}

/** Adds a document with its postings, term frequencies and the corpus totals. */
async function addDocument(
  tx: Tx | Db,
  documentId: string,
  featureId: string,
  document: IndexedDocument,
): Promise<void> {
  const { vector, titleLength, bodyLength } = document;
  const terms = [...vector.keys()];
  // One statement, one round trip on triage's hot path: the document, its postings, the frequencies and the
  // corpus totals (the postings' foreign key is checked at the end of the statement).
  await tx.execute(sql`
    with document as (
      insert into dedupe_documents (id, feature_id, title_length, body_length, terms, title_grams)
      values (${documentId}, ${featureId}, ${titleLength}, ${bodyLength},
              ${asParam(Object.fromEntries(vector))}::jsonb, ${asParam([...document.titleGrams])}::text[])
    ),
    vector as (
      select * from unnest(${asParam(terms)}::text[], ${asParam(terms.map((t) => vector.get(t)?.[0] ?? 0))}::int[],
                           ${asParam(terms.map((t) => vector.get(t)?.[1] ?? 0))}::int[]) as v(term, t, b)
    ),
    postings as (
      insert into dedupe_postings (term, document_id, title_tf, body_tf, title_length, body_length)
      select term, ${documentId}, t, b, ${titleLength}, ${bodyLength} from vector
    ),
    frequencies as (
      insert into dedupe_terms (term, df) select term, 1 from vector
      on conflict (term) do update set df = dedupe_terms.df + 1
    )
    insert into dedupe_corpus (id, documents, title_length_sum, body_length_sum)
    values (1, 1, ${titleLength}, ${bodyLength})
    on conflict (id) do update set
      documents = dedupe_corpus.documents + 1,
      title_length_sum = dedupe_corpus.title_length_sum + excluded.title_length_sum,
      body_length_sum = dedupe_corpus.body_length_sum + excluded.body_length_sum`);
}

/** Removes a document and takes it out of the term frequencies and the corpus totals. */
async function removeDocument(tx: Tx | Db, documentId: string): Promise<void> {
  const [doc] = await queryRows<{
    terms: Record<string, unknown>;
    title_length: number;
    body_length: number;
  }>(
    tx,
    sql`delete from dedupe_documents where id = ${documentId}
        returning terms, title_length, body_length`,
  );
  if (!doc) return;
  const terms = Object.keys(doc.terms);
  if (terms.length > 0) {
    await tx.execute(sql`
      update dedupe_terms t set df = t.df - 1 from unnest(${asParam(terms)}::text[]) as q(term)
      where t.term = q.term`);
    await tx.execute(sql`
      delete from dedupe_terms t using unnest(${asParam(terms)}::text[]) as q(term)
      where t.term = q.term and t.df <= 0`);
  }
  await tx.execute(sql`
    update dedupe_corpus set
      documents = documents - 1,
      title_length_sum = title_length_sum - ${doc.title_length},
      body_length_sum = body_length_sum - ${doc.body_length}
    where id = 1`);
}

/** The engine's reader over the index, and its writes, in the given transaction (or outside one, to read). */
export function storeDedupeIndex(tx: Tx | Db): StoreDedupeIndex {
  const features = new Map<string, string>();
  return {
    stats: async () => corpusStats(await readCorpusTotals(tx)),
    documentFrequencies: (terms) => readDocumentFrequencies(tx, terms),
    similarTerms: (terms) => findSimilarTerms(tx, terms),
    retrieve: (terms, p, limit) => retrieveDocuments(tx, terms, p, limit),
    documents: (ids) => readDocuments(tx, ids, features),
    featureOf: (documentId) => features.get(documentId),
    add: (documentId, featureId, document) => addDocument(tx, documentId, featureId, document),
    remove: (documentId) => removeDocument(tx, documentId),

    async moveFeature(fromFeatureId, intoFeatureId) {
      await tx.execute(
        sql`update dedupe_documents set feature_id = ${intoFeatureId} where feature_id = ${fromFeatureId}`,
      );
    },

    async moveDocuments(documentIds, featureId) {
      if (documentIds.length === 0) return;
      await tx.execute(sql`
        update dedupe_documents set feature_id = ${featureId}
        where id = any(${asParam([...documentIds])}::text[])`);
    },
  };
}

/**
 * The index as a transaction holding the index lock (`lockDedupeIndex`) sees it, for several triage decisions in
 * a row (application/triage.ts triages a batch of requests so): the corpus totals, document frequencies and
 * documents it has read are kept, and the totals and frequencies follow the documents it adds. No other
 * transaction changes the index while the lock is held, and a stored document's statistics never change, so each
 * read answers what the store would; only documents not read yet, and frequencies not known yet, are read.
 * Removing or moving documents through it forgets everything kept. With `cache` (one per process), documents
 * read by earlier transactions are not parsed again while their rows are unchanged.
 */
export function lockedDedupeIndex(tx: Tx, cache?: DocumentCache): StoreDedupeIndex {
  const store = storeDedupeIndex(tx);
  let totals: CorpusTotals | undefined;
  /** Term → documents holding it; 0 for a term none holds. */
  const frequencies = new Map<string, number>();
  const documents = new Map<string, DocumentStats>();
  const featureOfDocument = new Map<string, string>();
  const forget = () => {
    totals = undefined;
    frequencies.clear();
    documents.clear();
    featureOfDocument.clear();
  };
  return {
    ...store,
    async stats() {
      totals ??= await readCorpusTotals(tx);
      return corpusStats(totals);
    },
    async documentFrequencies(terms) {
      const missing = [...new Set(terms.filter((t) => !frequencies.has(t)))];
      if (missing.length > 0) {
        const read = await readDocumentFrequencies(tx, missing);
        for (const t of missing) frequencies.set(t, read.get(t) ?? 0);
      }
      const known = new Map<string, number>();
      for (const t of terms) {
        const df = frequencies.get(t) ?? 0;
        if (df > 0) known.set(t, df);
      }
      return known;
    },
    async documents(ids) {
      const missing = ids.filter((id) => !documents.has(id));
      if (missing.length > 0) {
        for (const [id, doc] of await readDocuments(tx, missing, featureOfDocument, cache)) {
          documents.set(id, doc);
        }
      }
      const found = new Map<string, DocumentStats>();
      for (const id of ids) {
        const doc = documents.get(id);
        if (doc) found.set(id, doc);
      }
      return found;
    },
    featureOf: (documentId) => featureOfDocument.get(documentId),
    async add(documentId, featureId, document) {
      await addDocument(tx, documentId, featureId, document);
      if (totals) {
        totals = {
          documents: totals.documents + 1,
          titleLengths: totals.titleLengths + document.titleLength,
          bodyLengths: totals.bodyLengths + document.bodyLength,
        };
      }
      for (const term of document.vector.keys()) {
        const df = frequencies.get(term);
        if (df !== undefined) frequencies.set(term, df + 1);
      }
    },
    async remove(documentId) {
      forget();
      cache?.delete(documentId);
      await store.remove(documentId);
    },
    async moveFeature(fromFeatureId, intoFeatureId) {
      forget();
      await store.moveFeature(fromFeatureId, intoFeatureId);
    },
    async moveDocuments(documentIds, featureId) {
      forget();
      await store.moveDocuments(documentIds, featureId);
    },
  };
}
