import { createHash } from 'node:crypto';
import path from 'node:path';
import { createCompanyFolds } from '../../src/application/company-folds.ts';
import { createDedupeLearning } from '../../src/application/dedupe-learning.ts';
import { prepareDatabase } from '../../src/application/prepare-database.ts';
import type { PushPolicy } from '../../src/application/push-bar.ts';
import { type BatchBudget, createTriage, type TriageDeps } from '../../src/application/triage.ts';
import type { UnitOfWork } from '../../src/application/unit-of-work.ts';
import { createDedupeEngine } from '../../src/rules/dedupe/engine.ts';
import { analysisFingerprint } from '../../src/rules/dedupe/fingerprint.ts';
import { DEFAULT_SYNONYMS } from '../../src/rules/dedupe/synonyms.ts';
import { DEFAULT_SCORING } from '../../src/rules/score.ts';
import type { DirtyLink } from '../../src/store/feature-writes.ts';
import type { SubmittedRequester } from '../../src/store/schema.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { captureLogs } from './logs.ts';

/**
 * The triage use case on a database of its own, called in this process without queues: what it queued after each
 * commit is kept (`pushed`), and its units of work are counted (`transactions`), so a test sees how requests
 * were grouped.
 */

/** A feature reaches the tracker from two requests; one waiting for review is held for an hour. */
export const PUSH: PushPolicy = {
  minRequests: 2,
  minScore: 0,
  holdForReviewSeconds: 3_600,
  route: () => ({ kind: 'linear', workspace: 'acme', team: 'ENG' }),
};

/** No budget cut: a batch takes every request waiting (up to its limit), however slow the machine. */
export const UNBOUNDED_BUDGET: BatchBudget = {
  ms: Number.POSITIVE_INFINITY,
  idleMs: Number.POSITIVE_INFINITY,
  now: () => performance.now(),
};

export interface TriageStore {
  store: Store;
  triage: ReturnType<typeof createTriage>;
  /** Units of work the triage ran (not counting company folds). */
  transactions: { count: number };
  /** Links queued for a push after each commit. */
  pushed: DirtyLink[];
  accept(r: { title: string; body: string; requester: SubmittedRequester; tags?: string[] }): Promise<string>;
  close(): Promise<void>;
}

export async function openTriageStore(
  deps: Partial<TriageDeps> = {},
  database?: TestDatabase,
  budget?: BatchBudget,
): Promise<TriageStore> {
  const db = database ?? (await createTestDatabase());
  const store = openStore(
    db.url ? { kind: 'postgres', url: db.url } : { kind: 'pglite', dataDir: path.join(db.dataDir, 'pglite') },
  );
  const engine = createDedupeEngine();
  await prepareDatabase(
    store,
    { analyse: engine.analyse, fingerprint: analysisFingerprint(engine, DEFAULT_SYNONYMS) },
    captureLogs().log,
  );
  const transactions = { count: 0 };
  const pushed: DirtyLink[] = [];
  const unitOfWork: UnitOfWork = async (work) => {
    const links: DirtyLink[] = [];
    const result = await store.db.transaction((tx) =>
      work({ tx, after: { push: (l) => links.push(...l), notify() {} } }),
    );
    pushed.push(...links);
    return result;
  };
  const counted: UnitOfWork = (work) => {
    transactions.count++;
    return unitOfWork(work);
  };
  const triage = createTriage({
    unitOfWork: counted,
    folds: createCompanyFolds({ db: store.db, unitOfWork, scoring: DEFAULT_SCORING }),
    deps: {
      dedupe: engine,
      identity: { extraFreeMailDomains: [] },
      scoring: DEFAULT_SCORING,
      push: PUSH,
      ...deps,
    },
    learning: createDedupeLearning(engine),
    budget,
  });
  let n = 0;
  return {
    store,
    triage,
    transactions,
    pushed,
    async accept(r) {
      const accepted = await store.requests.accept({
        source: 'api',
        sourceRef: undefined,
        idempotencyScope: undefined,
        idempotencyKey: undefined,
        payloadHash: createHash('sha256').update(`${n++}\n${r.title}\n${r.body}`).digest('hex'),
        title: r.title,
        body: r.body,
        url: undefined,
        tags: r.tags ?? [],
        submittedRequester: r.requester,
        receivedAt: new Date(),
      });
      return accepted.request.id;
    },
    async close() {
      await store.close();
      await db.drop();
    },
  };
}
