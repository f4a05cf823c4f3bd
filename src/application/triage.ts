import type { Logger } from '../log.ts';
import type { CalibrationOptions } from '../rules/dedupe/calibrate.ts';
import { candidatesToWeigh, type DecideContext, type DedupeEngine } from '../rules/dedupe/engine.ts';
import { indexedDocument } from '../rules/dedupe/memory-index.ts';
import { titleKey } from '../rules/normalise.ts';
import type { ScoringModel } from '../rules/score.ts';
import { createDocumentCache, type DocumentCache } from '../store/dedupe-document-cache.ts';
import {
  lockDedupeIndex,
  lockedDedupeIndex,
  requestDocumentId,
  type StoreDedupeIndex,
} from '../store/dedupe-index.repo.ts';
import { type DirtyLink, recountFeatures, type Tx } from '../store/feature-writes.ts';
import {
  companiesWithNameCompany,
  insertRequestFeature,
  lockRequests,
  recordTriages,
  type TriagedRequest,
  type TriageRecord,
} from '../store/triage.repo.ts';
import { coalesce, type Settled } from './coalesce.ts';
import type { CompanyFolds } from './company-folds.ts';
import type { DedupeLearning, Learning } from './dedupe-learning.ts';
import { demandScorer } from './feature-score.ts';
import { companyKeyOf, type IdentityOptions, resolveIdentity } from './identity.ts';
import { type IndexRefresh, indexRefresher } from './index-refresh.ts';
import { markFeaturesForPush, type PushPolicy } from './push-bar.ts';
import {
  CANDIDATE_DOCUMENTS,
  candidateEvidence,
  featureCandidates,
  sameTitleFeature,
  type TitleFeatures,
  titlesOf,
} from './triage-candidates.ts';
import { type Crossings, routeAtCrossing, settleBefore } from './triage-crossings.ts';
import type { UnitOfWork } from './unit-of-work.ts';

/**
 * Triage of a request in a unit of work: resolve the requester and company, pick or create its feature, record
 * the decision, recount the feature, and mark its links for a push once it passes the bar (queued once it commits;
 * a feature triage starts as a possible duplicate is held from the tracker while a person reviews it, push-bar.ts).
 * Idempotent: a request already triaged is left as it is, so a job that runs twice (a retry, a stalled job, a
 * redrive re-enqueue) ends where one clean run would. Then the company fold the request may have made due.
 *
 * Requests whose triage is asked for while another runs are triaged together, in one unit of work (a batch):
 * one index lock, one read of what the answers taught, the index's reads kept across the batch, and each feature
 * the batch touched recounted and marked for a push once, at its end. A batch takes its requests in the order
 * they arrived and decides each exactly as triaging them one by one in that order would; it stops taking more
 * once it has run its budget (`BatchBudget`) (it holds the index lock, and on PGlite the only connection), and the rest
 * wait for the next one. If a batch fails, each of its requests is triaged again alone, so one request's failure
 * fails only its own triage.
 */

export interface TriageDeps {
  dedupe: DedupeEngine;
  identity: IdentityOptions;
  scoring: ScoringModel;
  /** When a feature goes to a tracker, and where; absent: nothing is pushed. */
  push?: PushPolicy | undefined;
  /** The share of right answers thresholds read off the team's answers keep; absent: the default (0.95). */
  learning?: CalibrationOptions | undefined;
}

type TriageOutcome =
  | { kind: 'missing' }
  | { kind: 'already-triaged'; featureId: string | null }
  | {
      kind: 'triaged';
      featureId: string;
      action: 'attached' | 'created';
      requesterId: string;
      companyId: string | null;
      /** Links whose push the triage (and the company fold after it) queued: the feature's demand changed. */
      links: DirtyLink[];
    };

/**
 * Ranks the request against the index and decides: the feature it joins, or the new one it makes. With what the
 * team's answers taught: terms merges associated count as shared, a feature dismissed against the nearest one is no
 * candidate (engine.ts `candidatesToWeigh`), and the thresholds are those the answers support.
 */
async function chooseFeature(batch: Batch, request: TriagedRequest) {
  const { tx, deps, index, learning } = batch;
  const { dedupe } = deps;
  const text = dedupe.analyse({ title: request.title, body: request.body });
  const ranked = await dedupe.rank(text, index, CANDIDATE_DOCUMENTS, learning.compiled);
  const candidates = featureCandidates(ranked, index);
  const context: DecideContext = { thresholds: learning.inUse, learned: learning.compiled };
  const decision = dedupe.decide(candidates, context);
  // decide() returns one of the candidates it was given: the same object, with its document id.
  const best = candidates.find((c) => c === decision.candidate);
  // The same title, once normalised, as a live feature's: one need, however little the index knows yet
  // (with a handful of documents every word looks common and the engine alone may only ask for review).
  const key = titleKey(request.title);
  const sameTitle = key ? sameTitleFeature(batch.titles, batch.gained, key) : undefined;
  const evidence = {
    // How sure the decision is that the request belongs to the best feature rather than to another or to none
    // (the engine's calibrated share); each candidate's own confidence is in the evidence.
    score: sameTitle ? 1 : decision.confidence,
    evidence: {
      decision: sameTitle ? 'same-title' : decision.action,
      mergeConfidence: decision.confidence,
      runnerUp: decision.runnerUp?.id ?? null,
      thresholds: learning.inUse,
      candidates: candidatesToWeigh(candidates, context).slice(0, 5).map(candidateEvidence),
    },
  };
  // Live: both were read under the index lock, which every merge takes before it moves documents.
  if (sameTitle || decision.action === 'merge') {
    return { text, featureId: sameTitle ?? best?.id ?? '', action: 'attached' as const, ...evidence };
  }
  const review = decision.action === 'review' && best;
  const created = await insertRequestFeature(tx, {
    title: request.title,
    titleRequestId: request.id,
    titleKey: titleKey(request.title),
    lastRequestedAt: request.receivedAt,
    ...(review
      ? {
          possibleDuplicateOfId: best.id,
          possibleDuplicateScore: best.confidence,
          possibleDuplicateEvidence: candidateEvidence(best),
        }
      : {}),
  });
  if (key) batch.titles.set(key, [...(batch.titles.get(key) ?? []), { id: created, requestCount: 0 }]);
  batch.bar.set(created, { requestCount: 0, hasLink: false });
  return { text, featureId: created, action: 'created' as const, ...evidence };
}

/** The requests a batch takes at most (the triage workers' concurrency bounds it too). */
const BATCH_LIMIT = 32;
/**
 * When a batch takes no further request (by `now`); then it recounts and marks what it touched. An accept on PGlite
 * waits for the batch running, so while intake wants the connection a batch stops after `ms` (50 by default: near
 * what one request's triage takes on its own). While it does not, a batch goes on to `idleMs`, so that a backlog
 * spreads each batch's fixed statements (the lock, the recount, the marks) over more requests.
 */
export interface BatchBudget {
  ms: number;
  /** How long a batch may run while intake is quiet; only where `intakeActive` says so (PGlite). */
  idleMs: number;
  /** Milliseconds on a monotonic clock. */
  now: () => number;
  /** PGlite's (store `intakeActive`); absent (Postgres, where intake has connections of its own): always `ms`. */
  intakeActive?: (() => boolean) | undefined;
}

/** The default budget, given whether intake wants the connection (absent: `ms` always applies). */
export function batchBudget(intakeActive?: () => boolean): BatchBudget {
  return { ms: 50, idleMs: 1_000, now: () => performance.now(), intakeActive };
}

async function overBudget(budget: BatchBudget, ran: number): Promise<boolean> {
  if (ran <= budget.ms) return false;
  if (!budget.intakeActive) return true;
  // PGlite runs each statement on this thread without handing it back to I/O: an accept, a readiness probe or an
  // HTTP request that arrived meanwhile gets to ask for the connection first.
  await new Promise<void>((resolve) => setImmediate(resolve));
  return budget.intakeActive() || ran > budget.idleMs;
}

/** What the requests of one batch share: its transaction, the index as it sees it, what the answers taught. */
export interface Batch {
  tx: Tx;
  deps: TriageDeps;
  index: StoreDedupeIndex;
  learning: Learning;
  /** Requests this batch attached to each feature, which the stored counts do not have until its end. */
  gained: Map<string, number>;
  /**
   * The live features of each title key the batch's requests have, read at its start (under the index lock: a
   * feature only gets or loses a title key so), with the features it creates added.
   */
  titles: TitleFeatures;
  /**
   * The decisions made and not yet recorded: together at the batch's end, or earlier when a feature may cross the
   * push bar (triage-crossings.ts).
   */
  records: TriageRecord[];
  /** Of each feature the batch attached to: its stored request count at the batch's start, whether it has a link. */
  bar: Map<string, { requestCount: number; hasLink: boolean }>;
  /** Features recounted at their crossing, with the requests the batch had attached to each then. */
  recounted: Map<string, number>;
  /** The features this batch created, and those of them whose crossing of the push bar waits (triage-crossings.ts). */
  crossings: Crossings;
}

type Triaged = Extract<TriageOutcome, { kind: 'triaged' }>;

async function triageRequest(batch: Batch, request: TriagedRequest): Promise<Triaged> {
  const { tx, deps, index, gained } = batch;
  const company = companyKeyOf(request.submittedRequester, deps.identity, request.source);
  await settleBefore(batch, { company });
  const { requesterId, companyId } = await resolveIdentity(
    tx,
    request.submittedRequester,
    deps.identity,
    request.source,
  );
  const chosen = await chooseFeature(batch, request);
  const { featureId, action } = chosen;
  await settleBefore(batch, { featureId });
  if (action === 'created') batch.crossings.members.set(featureId, []);
  batch.crossings.members.get(featureId)?.push(company);
  await index.add(requestDocumentId(request.id), featureId, indexedDocument(chosen.text));
  batch.records.push({
    requestId: request.id,
    requesterId,
    companyId,
    featureId,
    decision: { action, method: 'dedupe', score: chosen.score, evidence: chosen.evidence },
  });
  gained.set(featureId, (gained.get(featureId) ?? 0) + 1);
  await routeAtCrossing(batch, featureId);
  return { kind: 'triaged', featureId, action, requesterId, companyId, links: [] };
}

/** What every batch of one triage shares. */
interface BatchSettings {
  deps: TriageDeps;
  learning: DedupeLearning;
  budget: BatchBudget;
  /** The index's documents as read by earlier batches. */
  documents: DocumentCache;
}

/** A batch's outcomes, by request id, the companies whose name-only companies may fold now, the index's size. */
interface BatchDone {
  outcomes: Map<string, TriageOutcome>;
  foldInto: string[];
  /** Documents in the index as the batch left it; undefined when it read none. */
  documents: number | undefined;
}

async function triageBatch(
  tx: Tx,
  { deps, learning, budget, documents }: BatchSettings,
  requestIds: readonly string[],
): Promise<BatchDone> {
  // First: every triage decision and index change is serialised (see lockDedupeIndex), and taking it before
  // any row lock keeps one lock order with merges.
  await lockDedupeIndex(tx);
  const requests = await lockRequests(tx, requestIds);
  // From here: the wait for the locks (another process's batch) is not this batch's time.
  const started = budget.now();
  const outcomes = new Map<string, TriageOutcome>();
  const found = new Set(requests.map((r) => r.id));
  for (const id of requestIds) if (!found.has(id)) outcomes.set(id, { kind: 'missing' });
  let batch: Batch | undefined;
  const triaged: Triaged[] = [];
  for (const request of requests) {
    if (triaged.length > 0 && (await overBudget(budget, budget.now() - started))) break;
    if (request.triagedAt) {
      outcomes.set(request.id, { kind: 'already-triaged', featureId: request.featureId });
      continue;
    }
    batch ??= {
      tx,
      deps,
      index: lockedDedupeIndex(tx, documents),
      learning: await learning.current(tx),
      gained: new Map(),
      titles: await titlesOf(tx, requests),
      records: [],
      bar: new Map(),
      recounted: new Map(),
      crossings: { members: new Map(), pending: new Set() },
    };
    const done = await triageRequest(batch, request);
    outcomes.set(request.id, done);
    triaged.push(done);
  }
  await recordTriages(tx, batch?.records ?? []);
  // Each feature once, in the order the batch first touched it (not id order). Until here the batch holds the rows
  // of the features it created and the key-share locks its requests' foreign keys took on the others; the recount
  // takes their row locks now. Merges and folds, which lock several features, take the index lock first, and the
  // rescore skips locked rows, so this order meets no other.
  // A feature recounted at its crossing and given no request since is counted already.
  const touched = [...(batch?.gained.keys() ?? [])];
  const stale = touched.filter((id) => batch?.recounted.get(id) !== batch?.gained.get(id));
  await recountFeatures(tx, stale, demandScorer(deps.scoring));
  const linksOf = deps.push
    ? await markFeaturesForPush(tx, touched, deps.push)
    : new Map<string, DirtyLink[]>();
  for (const t of triaged) t.links = linksOf.get(t.featureId) ?? [];
  const companies = [...new Set(triaged.flatMap((t) => (t.companyId ? [t.companyId] : [])))];
  return {
    outcomes,
    foldInto: await companiesWithNameCompany(tx, companies),
    documents: batch ? (await batch.index.stats()).documents : undefined,
  };
}

/** The fold's links added to the outcome's own (each once). */
function withFolded(outcome: Triaged, folded: readonly DirtyLink[]): Triaged {
  if (folded.length === 0) return outcome;
  const ids = new Set(outcome.links.map((l) => l.id));
  return { ...outcome, links: [...outcome.links, ...folded.filter((l) => !ids.has(l.id))] };
}

/**
 * Triage of batches of requests, then the folds their companies may have made due (company-folds.ts), each in its
 * unit of work. A fold that fails after triage committed fails the triage of the requests that asked for it (the
 * job retries; the request is triaged by then) and is left to the scheduled rescore (foldPending).
 */
export function createTriage({
  unitOfWork,
  folds,
  deps,
  learning,
  refreshIndex,
  budget = batchBudget(),
  log,
}: {
  unitOfWork: UnitOfWork;
  folds: CompanyFolds;
  deps: TriageDeps;
  /** What the team's answers taught, shared with the review stats. */
  learning: DedupeLearning;
  /**
   * Refreshes the index's visibility map and statistics as it grows (index-refresh.ts): given where nothing else
   * does it (PGlite has no autovacuum). It runs after a batch's callers have their results, before the next batch.
   */
  refreshIndex?: IndexRefresh | undefined;
  /** When a batch stops taking requests; default `batchBudget()`: 50 ms of the process's monotonic clock. */
  budget?: BatchBudget | undefined;
  /** Where a failed index refresh is logged. */
  log?: Logger | undefined;
}) {
  const refreshIfGrown = indexRefresher(refreshIndex, log);
  const settings: BatchSettings = { deps, learning, budget, documents: createDocumentCache() };
  /** The index's size as the last batch left it, for the refresh after its callers have their results. */
  let lastDocuments: number | undefined;
  async function runBatch(requestIds: readonly string[]): Promise<Map<string, Settled<TriageOutcome>>> {
    const done = await unitOfWork(async (work) => {
      const batch = await triageBatch(work.tx, settings, requestIds);
      for (const outcome of batch.outcomes.values())
        if (outcome.kind === 'triaged') work.after.push(outcome.links);
      return batch;
    });
    lastDocuments = done.documents;
    const results = new Map<string, Settled<TriageOutcome>>();
    for (const [id, outcome] of done.outcomes) results.set(id, { ok: true, value: outcome });
    for (const companyId of done.foldInto) {
      let fold: Settled<DirtyLink[]>;
      try {
        fold = { ok: true, value: (await folds.foldNamesInto(companyId))?.links ?? [] };
      } catch (error) {
        fold = { ok: false, error };
      }
      for (const [id, outcome] of done.outcomes) {
        if (outcome.kind !== 'triaged' || outcome.companyId !== companyId) continue;
        results.set(id, fold.ok ? { ok: true, value: withFolded(outcome, fold.value) } : fold);
      }
    }
    return results;
  }

  const afterRun = () => {
    const documents = lastDocuments;
    lastDocuments = undefined;
    return refreshIfGrown(documents);
  };
  return coalesce<TriageOutcome>(
    async (requestIds) => {
      if (requestIds.length === 1) return runBatch(requestIds);
      try {
        return await runBatch(requestIds);
      } catch {
        // Which request failed is not known: each is triaged again alone, and only its own failure fails it.
        const alone = new Map<string, Settled<TriageOutcome>>();
        for (const id of requestIds) {
          try {
            for (const [key, result] of await runBatch([id])) alone.set(key, result);
          } catch (error) {
            alone.set(id, { ok: false, error });
          }
        }
        return alone;
      }
    },
    BATCH_LIMIT,
    afterRun,
  );
}
