import { and, eq, getTableName, inArray, sql } from 'drizzle-orm';
import { type Db, queryRows } from './db.ts';
import { type NewRequest, requestRow } from './requests.repo.ts';
import { requests } from './schema.ts';

/**
 * Bulk intake for imports: many requests in one statement, idempotent on (source, source ref) by the same unique
 * index `accept` relies on (store/requests.repo.ts), so an import and the API can never make the same request twice.
 * Rows are committed untriaged (`triaged_at` null): the redrive of a running service queues their triage.
 */
export type ImportedRequest = NewRequest & { sourceRef: string };

/**
 * The batch travels as one JSON parameter that the database spreads into rows (json_to_recordset), not as a
 * VALUES list of a dozen parameters a row: building and parsing a 6,000-parameter statement cost more than the
 * insert itself (most of the import's CPU on the embedded database). Each of requestRow's keys, with the type the
 * record reads it as (the compiler checks none is missing).
 */
const RECORD_TYPES = {
  source: 'text',
  sourceRef: 'text',
  idempotencyScope: 'text',
  idempotencyKey: 'text',
  payloadHash: 'text',
  title: 'text',
  body: 'text',
  url: 'text',
  tags: 'text[]',
  important: 'boolean',
  submittedRequester: 'jsonb',
  receivedAt: 'timestamptz',
} as const satisfies Record<keyof ReturnType<typeof requestRow>, string>;
const KEYS = Object.keys(RECORD_TYPES) as Array<keyof typeof RECORD_TYPES>;
const INSERT_FROM = sql.raw(
  `insert into "${getTableName(requests)}" (${KEYS.map((k) => `"${requests[k].name}"`).join(', ')}) select ${KEYS.map((k) => `"${k}"`).join(', ')} from json_to_recordset(`,
);
const AS_RECORD = sql.raw(
  `::json) as r(${KEYS.map((k) => `"${k}" ${RECORD_TYPES[k]}`).join(', ')}) on conflict do nothing returning "${requests.sourceRef.name}" as ref`,
);

export function createRequestImportRepo(db: Db) {
  return {
    /** Inserts what is new; returns how many rows were created and which refs already existed. */
    async insertMany(rows: readonly ImportedRequest[]): Promise<{ created: number; existing: string[] }> {
      if (rows.length === 0) return { created: 0, existing: [] };
      // One source per call keeps the conflict check a single index range.
      const source = rows[0]?.source ?? '';
      if (rows.some((r) => r.source !== source)) throw new Error('insertMany: one source per batch');
      const inserted = await queryRows<{ ref: string }>(
        db,
        sql`${INSERT_FROM}${JSON.stringify(rows.map(requestRow))}${AS_RECORD}`,
      );
      const created = new Set(inserted.map((r) => r.ref));
      return {
        created: created.size,
        existing: rows.map((r) => r.sourceRef).filter((ref) => !created.has(ref)),
      };
    },

    /** Of these refs, the ones already stored for the source (a dry run's duplicate count). */
    async existingRefs(source: string, refs: readonly string[]): Promise<Set<string>> {
      if (refs.length === 0) return new Set();
      const rows = await db
        .select({ ref: requests.sourceRef })
        .from(requests)
        .where(and(eq(requests.source, source), inArray(requests.sourceRef, [...refs])));
      return new Set(rows.map((r) => r.ref ?? ''));
    },
  };
}
