import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from './db.ts';
import { type NewRequest, requestRow } from './requests.repo.ts';
import { requests } from './schema.ts';

/**
 * Bulk intake for imports: many requests in one statement, idempotent on (source, source ref) by the same unique
 * index `accept` relies on (store/requests.repo.ts), so an import and the API can never make the same request twice.
 * Rows are committed untriaged (`triaged_at` null): the redrive of a running service queues their triage.
 */
export type ImportedRequest = NewRequest & { sourceRef: string };

export function createRequestImportRepo(db: Db) {
  return {
    /** Inserts what is new; returns how many rows were created and which refs already existed. */
    async insertMany(rows: readonly ImportedRequest[]): Promise<{ created: number; existing: string[] }> {
      if (rows.length === 0) return { created: 0, existing: [] };
      // One source per call keeps the conflict check a single index range.
      const source = rows[0]?.source ?? '';
      if (rows.some((r) => r.source !== source)) throw new Error('insertMany: one source per batch');
      const inserted = await db
        .insert(requests)
        .values(rows.map(requestRow))
        .onConflictDoNothing()
        .returning({ sourceRef: requests.sourceRef });
      const created = new Set(inserted.map((r) => r.sourceRef));
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
