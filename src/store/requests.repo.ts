import { and, asc, eq, gt, gte, isNull, lt, sql } from 'drizzle-orm';
import type { Logger } from '../log.ts';
import type { Db } from './db.ts';
import { acceptOne, createGroupedAccept, type NewRequest } from './request-accept.ts';
import { companies, features, requesters, requests } from './schema.ts';

export { type NewRequest, requestRow } from './request-accept.ts';

/** A request with its feature, requester and company. */
async function getRequest(db: Db, id: string) {
  const [row] = await db
    .select({
      request: requests,
      feature: { id: features.id, title: features.title, status: features.status },
      requester: { id: requesters.id, email: requesters.email, name: requesters.name },
      company: { id: companies.id, name: companies.name, domain: companies.domain },
    })
    .from(requests)
    .leftJoin(features, eq(features.id, requests.featureId))
    .leftJoin(requesters, eq(requesters.id, requests.requesterId))
    .leftJoin(companies, eq(companies.id, requests.companyId))
    .where(eq(requests.id, id));
  return row;
}

/** Requests accepted before `before` and still untriaged: the redrive's work list. */
async function untriagedRequests(db: Db, before: Date, limit: number, afterId?: string): Promise<string[]> {
  const rows = await db
    .select({ id: requests.id })
    .from(requests)
    .where(
      and(
        isNull(requests.triagedAt),
        lt(requests.createdAt, before),
        afterId ? gt(requests.id, afterId) : undefined,
      ),
    )
    .orderBy(asc(requests.id))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** When the oldest request accepted at or after `from` and still untriaged was accepted, if there is one. */
async function oldestUntriagedSince(db: Db, from: Date): Promise<Date | undefined> {
  const [row] = await db
    .select({ createdAt: requests.createdAt })
    .from(requests)
    .where(and(isNull(requests.triagedAt), gte(requests.createdAt, from)))
    .orderBy(asc(requests.createdAt))
    .limit(1);
  return row?.createdAt;
}

async function countUntriaged(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(requests)
    .where(isNull(requests.triagedAt));
  return row?.n ?? 0;
}

/**
 * Requests as intake stores them and the redrive finds them. `intake` is how accepts are written: through which
 * handle, and whether concurrent accepts are committed in groups (store/request-accept.ts; `log` hears of a group
 * that failed and was retried one accept at a time); by default one
 * statement per accept on `db`.
 */
export function createRequestsRepo(
  db: Db,
  intake: { db?: Db; grouped?: boolean; log?: Logger | undefined } = {},
) {
  const intakeDb = intake.db ?? db;
  const accept = intake.grouped
    ? createGroupedAccept(intakeDb, { log: intake.log })
    : (input: NewRequest) => acceptOne(intakeDb, input);
  return {
    /** Commits the request (or finds the one a repeat refers to); resolves once its row has committed. */
    accept,
    get: (id: string) => getRequest(db, id),
    untriaged: (before: Date, limit: number, afterId?: string) =>
      untriagedRequests(db, before, limit, afterId),
    countUntriaged: () => countUntriaged(db),
    oldestUntriagedSince: (from: Date) => oldestUntriagedSince(db, from),
  };
}
