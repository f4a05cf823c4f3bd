import { createHash } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { IntakeItem } from '../connectors/intake-source.ts';
import type { Db } from './db.ts';
import { intakeSources, requests } from './schema.ts';

export type IntakeSourceRow = typeof intakeSources.$inferSelect;

/** What storing a page did: the new requests (to triage) and whether the cursor moved. */
export interface StoredPage {
  created: string[];
  replayed: number;
  /** False when another pull moved this source's cursor first: this pull must stop (at most one per source). */
  cursorAdvanced: boolean;
}

const payloadHash = (item: IntakeItem) =>
  createHash('sha256')
    .update(JSON.stringify([item.title, item.body, item.requester, item.receivedAt]))
    .digest('hex');

/**
 * Each source row and its cursor, and the page a pull or webhook stores with the cursor move. A webhook delivery
 * (no cursor move: a provider's HTTP request waiting for its answer) is written through `intakeDb`, whose
 * statements go first on PGlite; a pulled page is background work like triage, so a long backfill shares the
 * connection with triage instead of holding it back for its whole run.
 */
function sourceCursors(db: Db, intakeDb: Db) {
  return {
    /** The row of a configured source, created on first use. */
    async ensure(id: string, kind: string): Promise<IntakeSourceRow> {
      await db.insert(intakeSources).values({ id, kind }).onConflictDoNothing();
      const [row] = await db.select().from(intakeSources).where(eq(intakeSources.id, id));
      if (!row) throw new Error(`intake source ${id} vanished`);
      return row;
    },
    async get(id: string): Promise<IntakeSourceRow | undefined> {
      const [row] = await db.select().from(intakeSources).where(eq(intakeSources.id, id));
      return row;
    },
    async list(): Promise<IntakeSourceRow[]> {
      return db.select().from(intakeSources).orderBy(asc(intakeSources.id));
    },
    /**
     * Inserts the items (idempotent on source + ref) and, when `cursor` is given, moves the cursor from
     * `expectedCursor` to it; if the stored cursor is no longer `expectedCursor`, nothing is written.
     */
    async storePage(
      sourceId: string,
      items: IntakeItem[],
      move: { expectedCursor: string | null; cursor: string | null } | undefined,
      now: Date,
    ): Promise<StoredPage> {
      return (move ? db : intakeDb).transaction(async (tx) => {
        if (move) {
          const moved = await tx
            .update(intakeSources)
            .set({ cursor: move.cursor, lastPullAt: now, updatedAt: now })
            .where(
              and(
                eq(intakeSources.id, sourceId),
                sql`${intakeSources.cursor} is not distinct from ${move.expectedCursor}::text`,
              ),
            )
            .returning({ id: intakeSources.id });
          if (moved.length === 0) return { created: [], replayed: 0, cursorAdvanced: false };
        }
        // One statement for the page; a ref seen before (an overlap, a redelivery) is skipped by the unique index.
        const created =
          items.length === 0
            ? []
            : (
                await tx
                  .insert(requests)
                  .values(
                    items.map((item) => ({
                      source: sourceId,
                      sourceRef: item.ref,
                      payloadHash: payloadHash(item),
                      title: item.title,
                      body: item.body,
                      url: item.url ?? null,
                      sourceThread: item.thread ?? null,
                      tags: item.tags ?? [],
                      submittedRequester: item.requester,
                      receivedAt: new Date(item.receivedAt),
                    })),
                  )
                  .onConflictDoNothing()
                  .returning({ id: requests.id })
              ).map((row) => row.id);
        return { created, replayed: items.length - created.length, cursorAdvanced: true };
      });
    },
  };
}

/** A source's health as its pulls find it. */
function sourceHealth(db: Db) {
  return {
    /** A pull finished: the source takes our credentials again. */
    async markHealthy(id: string, now: Date): Promise<void> {
      await db
        .update(intakeSources)
        .set({
          healthy: true,
          lastError: null,
          consecutiveFailures: 0,
          lastPullAt: now,
          lastSuccessAt: now,
          updatedAt: now,
        })
        .where(eq(intakeSources.id, id));
    },
    /** A pull failed; `unhealthy` for refused credentials. Returns the failures in a row, this one included. */
    async markFailure(id: string, reason: string, unhealthy: boolean, now: Date): Promise<number> {
      const [row] = await db
        .update(intakeSources)
        .set({
          ...(unhealthy ? { healthy: false } : {}),
          lastError: reason.slice(0, 1000),
          consecutiveFailures: sql`${intakeSources.consecutiveFailures} + 1`,
          lastPullAt: now,
          updatedAt: now,
        })
        .where(eq(intakeSources.id, id))
        .returning({ failures: intakeSources.consecutiveFailures });
      return row?.failures ?? 1;
    },
  };
}

/**
 * Intake sources' state (`intake_sources`: cursor and health) and the requests they bring. A page's requests and
 * the cursor after it are written in one transaction, so a crash leaves either both or neither: a pull resumes
 * after the last stored page, and a re-read item is a no-op on (source, ref).
 */
export function createIntakeRepo(db: Db, intakeDb: Db = db) {
  return {
    ...sourceCursors(db, intakeDb),
    ...sourceHealth(db),
  };
}
