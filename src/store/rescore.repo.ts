import { and, asc, eq, gt, inArray, isNull } from 'drizzle-orm';
import type { Db } from './db.ts';
import { type DemandScorer, writeScores } from './feature-score.ts';
import type { Tx } from './feature-writes.ts';
import { features } from './schema.ts';

interface RescorePage {
  /** Live features in this page of ids. */
  scanned: number;
  rescored: number;
  /** Rescored to a different score than before. */
  changed: number;
  /** Held by another transaction right now: for `rescoreFeature` after the pass. */
  skipped: string[];
  /** Where the next page starts (undefined: no more). */
  lastId: string | undefined;
}

/**
 * Rescoring between demand changes: recency decays and accounts' revenue and tier change, so every live feature is
 * rescored on a schedule. A page of features per transaction, locked in id order (as merges lock); a feature another
 * transaction holds right now (a triage or a merge) is skipped rather than waited for, so the pass never holds up
 * triage, and the caller rescores the skipped ones one by one afterwards. Only the score, breakdown and scored_at
 * are written: no demand changed, so no link is marked for a push (a tracker shows the score as of its feature's
 * last demand change) and updated_at stays.
 */
export function createRescoreRepo(db: Db, scoreDemand: DemandScorer) {
  async function rescoreLocked(tx: Tx, locked: ReadonlyArray<{ id: string; score: number }>, now: Date) {
    const before = new Map(locked.map((f) => [f.id, f.score]));
    const scores = await writeScores(
      tx,
      locked.map((f) => f.id),
      scoreDemand,
      now,
    );
    return {
      rescored: scores.length,
      changed: scores.filter((s) => before.get(s.featureId) !== s.score).length,
    };
  }

  return {
    async rescorePage(afterId: string | undefined, limit: number, now = new Date()): Promise<RescorePage> {
      const page = await db
        .select({ id: features.id })
        .from(features)
        .where(and(isNull(features.mergedIntoId), afterId ? gt(features.id, afterId) : undefined))
        .orderBy(asc(features.id))
        .limit(limit);
      const ids = page.map((r) => r.id);
      if (ids.length === 0) return { scanned: 0, rescored: 0, changed: 0, skipped: [], lastId: undefined };
      const done = await db.transaction(async (tx) => {
        // NO KEY UPDATE: the lock an update of the score takes; it does not conflict with the key-share locks that
        // inserts referencing the feature (requests, links, status changes) take.
        const locked = await tx
          .select({ id: features.id, score: features.score })
          .from(features)
          .where(and(inArray(features.id, ids), isNull(features.mergedIntoId)))
          .orderBy(asc(features.id))
          .for('no key update', { skipLocked: true });
        const lockedIds = new Set(locked.map((f) => f.id));
        return { ...(await rescoreLocked(tx, locked, now)), lockedIds };
      });
      return {
        scanned: ids.length,
        rescored: done.rescored,
        changed: done.changed,
        skipped: ids.filter((id) => !done.lockedIds.has(id)),
        lastId: ids.length < limit ? undefined : ids[ids.length - 1],
      };
    },

    /** One feature, waiting for its lock (a skipped one; one lock only, so no lock order to keep). */
    async rescoreFeature(
      featureId: string,
      now = new Date(),
    ): Promise<{ rescored: number; changed: number }> {
      return db.transaction(async (tx) => {
        const locked = await tx
          .select({ id: features.id, score: features.score })
          .from(features)
          .where(and(eq(features.id, featureId), isNull(features.mergedIntoId)))
          .for('no key update');
        return rescoreLocked(tx, locked, now);
      });
    },
  };
}
