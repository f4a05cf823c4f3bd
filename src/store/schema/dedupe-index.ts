import { doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.ts';
import { features } from './requests.ts';

/** The dedupe index tables. */

/**
 * The dedupe index, kept in the database so it survives restarts and every worker process shares it. A document is
 * one request's text (`r:<request id>`) or the title of a feature that has no request yet (`f:<feature id>`,
 * an imported backlog issue); it belongs to the feature its request is in, and moves with it on merge.
 */
export const dedupeDocuments = pgTable(
  'dedupe_documents',
  {
    id: text('id').primaryKey(),
    featureId: uuid('feature_id')
      .notNull()
      .references(() => features.id),
    titleLength: integer('title_length').notNull(),
    bodyLength: integer('body_length').notNull(),
    /** term → [title tf, body tf]: the full vector, so leaders are scored exactly whatever retrieval fetched. */
    terms: jsonb('terms').$type<Record<string, [number, number]>>().notNull(),
    titleGrams: text('title_grams').array().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('dedupe_documents_feature_idx').on(t.featureId)],
);

/** Postings: which documents contain a term, with the field lengths the BM25 norm needs (no join to rank). */
export const dedupePostings = pgTable(
  'dedupe_postings',
  {
    term: text('term').notNull(),
    documentId: text('document_id')
      .notNull()
      .references(() => dedupeDocuments.id, { onDelete: 'cascade' }),
    titleTf: integer('title_tf').notNull(),
    bodyTf: integer('body_tf').notNull(),
    titleLength: integer('title_length').notNull(),
    bodyLength: integer('body_length').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.term, t.documentId] }),
    index('dedupe_postings_document_idx').on(t.documentId),
    // Covers retrieval: an index-only scan per term instead of one table page per posting (needs vacuum).
    index('dedupe_postings_term_cover_idx').on(
      t.term,
      t.documentId,
      t.titleTf,
      t.bodyTf,
      t.titleLength,
      t.bodyLength,
    ),
  ],
);

/** Document frequency per term, and the vocabulary typo look-ups search (pg_trgm). */
export const dedupeTerms = pgTable(
  'dedupe_terms',
  {
    term: text('term').primaryKey(),
    df: integer('df').notNull(),
  },
  // No pending list (fastupdate off): a queued entry is scanned by every look-up until something flushes it.
  (t) => [index('dedupe_terms_trgm_idx').using('gin', t.term.op('gin_trgm_ops')).with({ fastupdate: false })],
);

/** Corpus totals (one row): how many documents, and their summed field lengths for the BM25 averages. */
export const dedupeCorpus = pgTable('dedupe_corpus', {
  id: integer('id').primaryKey(),
  documents: integer('documents').notNull(),
  titleLengthSum: doublePrecision('title_length_sum').notNull(),
  bodyLengthSum: doublePrecision('body_length_sum').notNull(),
  /** Fingerprint of the analysis the documents were indexed with: a different one at start rebuilds the index. */
  analysis: text('analysis').notNull().default(''),
});
