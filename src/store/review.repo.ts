import { and, eq, gt, gte, inArray, lte, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from './db.ts';
import type { Tx } from './feature-writes.ts';
import { features, trackerLinks } from './schema.ts';

/**
 * The review queue: features triage started as "possible duplicate of X" (confidence between the review and
 * auto-merge thresholds) that nobody has merged or dismissed yet, oldest first. While one waits, and has no
 * tracker link yet, it is held from the tracker for `push.holdForReview` after it was created (the application
 * decides what that means for a push; these are the reads and writes).
 */

const candidate = alias(features, 'candidate');

/** Waiting for a person: merged or dismissed, it is not. */
const pending = sql`(${features.possibleDuplicateOfId} is not null and ${features.reviewedAt} is null and ${features.mergedIntoId} is null)`;

/** The feature has no tracker link at all (one unlinked by hand counts: it is not made again). */
const noLink = sql`not exists (select 1 from ${trackerLinks} where ${trackerLinks.featureId} = ${features.id})`;

/** When the hold of a feature waiting for review ends: `holdSeconds` after triage created it. */
const holdEnds = (holdSeconds: number) =>
  sql`(${features.createdAt} + make_interval(secs => ${Math.max(0, Math.floor(holdSeconds))}::int))`;

/** Held from the tracker: waiting for review, no link yet, and the hold not over (never with a hold of 0). */
const held = (holdSeconds: number) => sql`(${pending} and ${noLink} and ${holdEnds(holdSeconds)} > now())`;

/** Which of the features are held from the tracker for review now. */
export async function heldForReviewAmong(
  tx: Tx,
  featureIds: readonly string[],
  holdSeconds: number,
): Promise<Set<string>> {
  if (holdSeconds <= 0 || featureIds.length === 0) return new Set();
  const rows = await tx
    .select({ id: features.id })
    .from(features)
    .where(and(inArray(features.id, [...featureIds]), held(holdSeconds)));
  return new Set(rows.map((r) => r.id));
}

/**
 * Features still waiting for review whose hold is over, with no link yet, that pass the push bar: oldest first,
 * locked (a feature another transaction holds, such as a triage joining it, is left to the next run).
 */
export async function expiredHolds(
  tx: Tx,
  bar: { holdSeconds: number; minRequests: number; minScore: number; limit: number },
): Promise<string[]> {
  const rows = await tx
    .select({ id: features.id })
    .from(features)
    .where(
      and(
        pending,
        noLink,
        lte(holdEnds(bar.holdSeconds), sql`now()`),
        gte(features.requestCount, bar.minRequests),
        gte(features.score, bar.minScore),
      ),
    )
    .orderBy(features.createdAt, features.id)
    .limit(bar.limit)
    .for('update', { skipLocked: true });
  return rows.map((r) => r.id);
}

/** "Not a duplicate": the feature leaves the queue and stays as it is. False when it was not waiting. */
export async function dismissReview(tx: Tx, id: string): Promise<boolean> {
  const rows = await tx
    .update(features)
    .set({ reviewedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(features.id, id), pending))
    .returning({ id: features.id });
  return rows.length > 0;
}

function encode(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

function decode(raw: string): { createdAt: Date; id: string } | undefined {
  try {
    const [at, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(at))) return undefined;
    return { createdAt: new Date(at), id };
  } catch {
    return undefined;
  }
}

export class BadCursor extends Error {}

export function createReviewRepo(db: Db) {
  return {
    /** A page of the queue; `holdSeconds` (`push.holdForReview`) says which items are held from the tracker. */
    async list({
      limit,
      after,
      holdSeconds,
    }: {
      limit: number;
      after?: string | undefined;
      holdSeconds: number;
    }) {
      const cursor = after === undefined ? undefined : decode(after);
      if (after !== undefined && !cursor) throw new BadCursor('after is not a cursor this endpoint returned');
      const rows = await db
        .select({
          id: features.id,
          title: features.title,
          requestCount: features.requestCount,
          createdAt: features.createdAt,
          confidence: features.possibleDuplicateScore,
          evidence: features.possibleDuplicateEvidence,
          held: held(holdSeconds).mapWith(Boolean),
          candidate: {
            id: candidate.id,
            title: candidate.title,
            requestCount: candidate.requestCount,
            status: candidate.status,
            mergedIntoId: candidate.mergedIntoId,
          },
        })
        .from(features)
        .innerJoin(candidate, eq(candidate.id, features.possibleDuplicateOfId))
        .where(
          and(
            pending,
            cursor
              ? or(
                  gt(features.createdAt, cursor.createdAt),
                  and(eq(features.createdAt, cursor.createdAt), gt(features.id, cursor.id)),
                )
              : undefined,
          ),
        )
        .orderBy(features.createdAt, features.id)
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map((r) => ({
          feature: {
            id: r.id,
            title: r.title,
            requestCount: r.requestCount,
            createdAt: r.createdAt.toISOString(),
          },
          possibleDuplicateOf: r.candidate,
          confidence: r.confidence ?? 0,
          evidence: r.evidence ?? {},
          heldFromTracker: r.held,
          heldUntil: r.held ? new Date(r.createdAt.getTime() + holdSeconds * 1000).toISOString() : null,
        })),
        next: rows.length > limit && last ? encode(last.createdAt, last.id) : undefined,
      };
    },
  };
}
