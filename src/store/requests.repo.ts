import { and, asc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { companies, features, requesters, requests, type SubmittedRequester } from './schema.ts';

export interface NewRequest {
  source: string;
  sourceRef: string | undefined;
  idempotencyScope: string | undefined;
  idempotencyKey: string | undefined;
  payloadHash: string;
  /** Another hash of the same content, as an earlier version stored it: a stored row with it matches too. */
  legacyPayloadHash?: string | undefined;
  title: string;
  body: string;
  url: string | undefined;
  tags: string[];
  /** Marked important by the sender; absent: false (CSV import leaves it out). */
  important?: boolean | undefined;
  submittedRequester: SubmittedRequester;
  receivedAt: Date;
}

interface AcceptedRow {
  id: string;
  receivedAt: Date;
  createdAt: Date;
}

type AcceptResult =
  | { kind: 'created'; request: AcceptedRow }
  | { kind: 'replayed'; request: AcceptedRow; matchedOn: 'idempotency-key' | 'source-ref' }
  | { kind: 'key-reused'; request: AcceptedRow }
  /** The source and source ref name a stored request whose payload differs: an edit is not a resend. */
  | { kind: 'source-ref-reused'; request: AcceptedRow };

/** A new request's row values: the API's accept and the bulk import insert the same columns the same way. */
export function requestRow(input: NewRequest) {
  return {
    source: input.source,
    sourceRef: input.sourceRef ?? null,
    idempotencyScope: input.idempotencyKey ? (input.idempotencyScope ?? null) : null,
    idempotencyKey: input.idempotencyKey ?? null,
    payloadHash: input.payloadHash,
    title: input.title,
    body: input.body,
    url: input.url ?? null,
    tags: input.tags,
    important: input.important ?? false,
    submittedRequester: input.submittedRequester,
    receivedAt: input.receivedAt,
  } satisfies typeof requests.$inferInsert;
}

const sameContent = (stored: string, input: NewRequest) =>
  stored === input.payloadHash ||
  (input.legacyPayloadHash !== undefined && stored === input.legacyPayloadHash);

const acceptedColumns = { id: requests.id, receivedAt: requests.receivedAt, createdAt: requests.createdAt };

async function findByIdempotencyKey(db: Db, scope: string, key: string) {
  const [row] = await db
    .select({ ...acceptedColumns, payloadHash: requests.payloadHash })
    .from(requests)
    .where(and(eq(requests.idempotencyScope, scope), eq(requests.idempotencyKey, key)));
  return row;
}

async function findBySourceRef(db: Db, source: string, sourceRef: string) {
  const [row] = await db
    .select({ ...acceptedColumns, payloadHash: requests.payloadHash })
    .from(requests)
    .where(and(eq(requests.source, source), eq(requests.sourceRef, sourceRef)));
  return row;
}

/**
 * Commits the request, or finds the one an idempotent repeat refers to. One statement on the happy path; the
 * unique indexes make two identical submissions at the same moment produce one row.
 */
async function acceptRequest(db: Db, input: NewRequest): Promise<AcceptResult> {
  const [created] = await db
    .insert(requests)
    .values(requestRow(input))
    .onConflictDoNothing()
    .returning(acceptedColumns);
  if (created) return { kind: 'created', request: created };

  if (input.idempotencyKey && input.idempotencyScope) {
    const row = await findByIdempotencyKey(db, input.idempotencyScope, input.idempotencyKey);
    if (row) {
      const { payloadHash, ...request } = row;
      return sameContent(payloadHash, input)
        ? { kind: 'replayed', request, matchedOn: 'idempotency-key' }
        : { kind: 'key-reused', request };
    }
  }
  if (input.sourceRef) {
    const row = await findBySourceRef(db, input.source, input.sourceRef);
    if (row) {
      const { payloadHash, ...request } = row;
      return sameContent(payloadHash, input)
        ? { kind: 'replayed', request, matchedOn: 'source-ref' }
        : { kind: 'source-ref-reused', request };
    }
  }
  // The conflicting row vanished between the two statements (it cannot: requests are never deleted).
  throw new Error('request insert conflicted but no matching request was found');
}

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

async function countUntriaged(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(requests)
    .where(isNull(requests.triagedAt));
  return row?.n ?? 0;
}

export function createRequestsRepo(db: Db) {
  return {
    accept: (input: NewRequest) => acceptRequest(db, input),
    get: (id: string) => getRequest(db, id),
    untriaged: (before: Date, limit: number, afterId?: string) =>
      untriagedRequests(db, before, limit, afterId),
    countUntriaged: () => countUntriaged(db),
  };
}
