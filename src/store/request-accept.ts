import { randomUUID } from 'node:crypto';
import { and, eq, type SQL } from 'drizzle-orm';
import { errorForLog, type Logger } from '../log.ts';
import type { Db } from './db.ts';
import { requests, type SubmittedRequester } from './schema.ts';

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

export type AcceptResult =
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
const storedColumns = { ...acceptedColumns, payloadHash: requests.payloadHash };

type Conflict =
  | { matchedOn: 'idempotency-key'; reused: 'key-reused' }
  | { matchedOn: 'source-ref'; reused: 'source-ref-reused' };

/** The stored request `where` finds, as a repeat of the input (same content) or a reuse of its key or ref. */
async function matchStored(
  db: Pick<Db, 'select'>,
  input: NewRequest,
  where: SQL | undefined,
  conflict: Conflict,
): Promise<AcceptResult | undefined> {
  const [row] = await db.select(storedColumns).from(requests).where(where);
  if (!row) return undefined;
  const { payloadHash, ...request } = row;
  return sameContent(payloadHash, input)
    ? { kind: 'replayed', request, matchedOn: conflict.matchedOn }
    : { kind: conflict.reused, request };
}

/**
 * The stored request an insert that did nothing ran into: the same Idempotency-Key first, then the same source
 * and source ref; a repeat when the content is the same, a reuse when it differs.
 */
async function conflictOutcome(db: Pick<Db, 'select'>, input: NewRequest): Promise<AcceptResult> {
  const byKey =
    input.idempotencyKey && input.idempotencyScope
      ? await matchStored(
          db,
          input,
          and(
            eq(requests.idempotencyScope, input.idempotencyScope),
            eq(requests.idempotencyKey, input.idempotencyKey),
          ),
          { matchedOn: 'idempotency-key', reused: 'key-reused' },
        )
      : undefined;
  if (byKey) return byKey;
  const byRef = input.sourceRef
    ? await matchStored(
        db,
        input,
        and(eq(requests.source, input.source), eq(requests.sourceRef, input.sourceRef)),
        { matchedOn: 'source-ref', reused: 'source-ref-reused' },
      )
    : undefined;
  if (byRef) return byRef;
  // The conflicting row vanished between the two statements (it cannot: requests are never deleted).
  throw new Error('request insert conflicted but no matching request was found');
}

/**
 * Commits the request, or finds the one an idempotent repeat refers to. One statement on the happy path; the
 * unique indexes make two identical submissions at the same moment produce one row.
 */
export async function acceptOne(db: Db, input: NewRequest): Promise<AcceptResult> {
  const [created] = await db
    .insert(requests)
    .values(requestRow(input))
    .onConflictDoNothing()
    .returning(acceptedColumns);
  return created ? { kind: 'created', request: created } : conflictOutcome(db, input);
}

/**
 * Several accepts in one transaction and one insert, each with the outcome it would have had alone: the rows are
 * inserted in arrival order, so of two with the same key in one group the first is created and the second finds
 * it, as if they had come one after the other. Ids are made here, so each input knows whether its row went in.
 */
async function acceptAll(db: Db, inputs: readonly NewRequest[]): Promise<AcceptResult[]> {
  return db.transaction(async (tx) => {
    const rows = inputs.map((input) => ({ id: randomUUID(), ...requestRow(input) }));
    const inserted = await tx.insert(requests).values(rows).onConflictDoNothing().returning(acceptedColumns);
    const created = new Map(inserted.map((row) => [row.id, row]));
    const outcomes: AcceptResult[] = [];
    for (const [i, input] of inputs.entries()) {
      const request = created.get(rows[i]?.id ?? '');
      outcomes.push(request ? { kind: 'created', request } : await conflictOutcome(tx, input));
    }
    return outcomes;
  });
}

interface Pending {
  input: NewRequest;
  settle: { resolve: (result: AcceptResult) => void; reject: (err: unknown) => void };
}

/**
 * Commits one group; when it fails, the failure is logged once (its kind and code, never the rows: errorForLog drops
 * bound values) and each of its accepts is tried alone, so a bad one fails only itself.
 */
async function commitGroup(db: Db, group: readonly Pending[], log: Logger | undefined): Promise<void> {
  if (group.length === 1) {
    const [only] = group as [Pending];
    await acceptOne(db, only.input).then(only.settle.resolve, only.settle.reject);
    return;
  }
  const outcomes = await acceptAll(
    db,
    group.map((p) => p.input),
  ).catch((err: unknown) => {
    log?.warn(
      { error: errorForLog(err), accepts: group.length },
      'grouped accept failed; trying its accepts one at a time',
    );
    return undefined;
  });
  if (outcomes) {
    for (const [i, p] of group.entries()) p.settle.resolve(outcomes[i] as AcceptResult);
    return;
  }
  await Promise.all(group.map((p) => acceptOne(db, p.input).then(p.settle.resolve, p.settle.reject)));
}

/**
 * Group commit: an accept that arrives while a group is being committed waits for the next group, which takes
 * everything that waited (up to `maxGroup`) in one transaction. One group at a time: on PGlite's single
 * connection, each group is one turn however many accepts it holds, so intake costs one transaction per group
 * rather than one per request. Each accept resolves only once the transaction holding its row has committed.
 */
export function createGroupedAccept(
  db: Db,
  { maxGroup = 64, log }: { maxGroup?: number; log?: Logger | undefined } = {},
) {
  let waiting: Pending[] = [];
  let committing = false;

  async function commitWaiting(): Promise<void> {
    committing = true;
    try {
      while (waiting.length > 0) {
        const group = waiting.slice(0, maxGroup);
        waiting = waiting.slice(group.length);
        await commitGroup(db, group, log);
      }
    } finally {
      committing = false;
    }
  }

  return function accept(input: NewRequest): Promise<AcceptResult> {
    return new Promise<AcceptResult>((resolve, reject) => {
      waiting.push({ input, settle: { resolve, reject } });
      if (!committing) void commitWaiting();
    });
  };
}
