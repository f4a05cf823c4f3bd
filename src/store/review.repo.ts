import { and, eq, gt, isNotNull, isNull, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from './db.ts';
import { features } from './schema.ts';

/**
 * The review queue: features triage started as "possible duplicate of X" (confidence between the review and
 * auto-merge thresholds) that nobody has merged or dismissed yet, oldest first.
 */

const candidate = alias(features, 'candidate');

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
  const pending = and(
    isNotNull(features.possibleDuplicateOfId),
    isNull(features.reviewedAt),
    isNull(features.mergedIntoId),
  );
  return {
    async list({ limit, after }: { limit: number; after?: string | undefined }) {
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
        })),
        next: rows.length > limit && last ? encode(last.createdAt, last.id) : undefined,
      };
    },

    /** "Not a duplicate": the feature leaves the queue and stays as it is. */
    async dismiss(id: string): Promise<'dismissed' | 'not-found'> {
      const rows = await db
        .update(features)
        .set({ reviewedAt: sql`now()`, updatedAt: sql`now()` })
        .where(and(eq(features.id, id), pending))
        .returning({ id: features.id });
      return rows.length > 0 ? 'dismissed' : 'not-found';
    },
  };
}
