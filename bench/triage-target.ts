import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { createCompanyFolds } from '../src/application/company-folds.ts';
import { createDedupeLearning } from '../src/application/dedupe-learning.ts';
import { createTriage } from '../src/application/triage.ts';
import type { UnitOfWork } from '../src/application/unit-of-work.ts';
import { createDedupeEngine, type DedupeEngine } from '../src/rules/dedupe/engine.ts';
import { DEFAULT_SCORING } from '../src/rules/score.ts';
import { queryRows } from '../src/store/db.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { type LatencyFigures, latencyFigures } from './latency.ts';
import { createScratchDatabase, type ScratchDatabase } from './scratch.ts';
import {
  body,
  createRandom,
  drawNeed,
  duplicateOf,
  needKey,
  phrasingCount,
  type Random,
  title,
} from './triage-corpus.ts';
import { type LoadedState, loadExisting, submittedBy } from './triage-load.ts';

/**
 * The `triage` bench target: how long the triage use case (`src/application/triage.ts`) takes per request with 1,000, 10,000 and 100,000
 * existing features, on PGlite and on Postgres. Each size starts from a fresh database loaded in bulk (one
 * triaged request per feature, then the dedupe index rebuilt from them), then triages new requests one at a time,
 * in this process, as a triage worker does: half reworded duplicates of an existing request, half about
 * something else. The timing covers the whole triage transaction (identity, ranking, decision, index update,
 * recount) and the company fold after it; the insert of the request is not timed.
 */

export const TRIAGE_SETTINGS = {
  sizes: [1_000, 10_000, 100_000],
  requests: 200,
  warmup: 20,
  duplicateShare: 0.5,
  seed: 5,
};

export const TRIAGE_DATABASES = ['pglite', 'postgres'] as const;
type TriageDatabase = (typeof TRIAGE_DATABASES)[number];

/** With the latency of the measured triages (after the warm-up). */
export interface TriageRun extends LatencyFigures {
  database: TriageDatabase;
  features: number;
  /** Seconds to write companies, requesters, features and requests; then to rebuild the dedupe index. */
  rowsSeconds?: number;
  indexSeconds?: number;
  /**
   * Seconds of VACUUM ANALYZE after the load, on Postgres only: what autovacuum does soon after a bulk write on a
   * server that runs it. On both, the index tables were vacuumed after the rebuild, as the service does (vacuumDedupeIndex).
   */
  analyseSeconds?: number;
  documents?: number;
  postings?: number;
  terms?: number;
  attached?: number;
  /** Started a feature marked "possible duplicate of" another: left to a person. */
  review?: number;
  duplicates?: number;
  duplicatesAttached?: number;
  /** Duplicates attached to the very feature they duplicate. */
  duplicatesToOriginal?: number;
  duplicatesReview?: number;
  /** Duplicates left to review as a possible duplicate of the very feature they duplicate. */
  duplicatesReviewOfOriginal?: number;
  newRequests?: number;
  newAttached?: number;
  newReview?: number;
  failed?: string;
}

type TriageSettings = typeof TRIAGE_SETTINGS;

export interface TriageResult {
  note: string;
  settings: TriageSettings;
  runs: TriageRun[];
  /** 1-minute load average at the start and the end: the machine's other work shows in the figures. */
  loadAverage?: [number, number];
}

const TRIAGE_NOTE =
  'the triage use case called in this process, one request at a time, on a database loaded in bulk (one triaged request per feature, index rebuilt by ensureDedupeIndex); PGlite in a fresh temporary directory, Postgres in a scratch database on the local server';

interface Incoming {
  kind: 'duplicate' | 'new';
  title: string;
  body: string;
  /** For a duplicate: the feature of the request it rewords. */
  originalFeatureId?: string;
  submitted: ReturnType<typeof submittedBy>;
}

/** New requests: duplicates of random existing ones and new needs, from people known and new. */
function incoming(random: Random, state: LoadedState, count: number, duplicateShare: number): Incoming[] {
  const needs = new Set(state.existing.map((e) => needKey(e.need)));
  const out: Incoming[] = [];
  while (out.length < count) {
    const who = random.next();
    const known = random.pick(state.requesters);
    const submitted =
      who < 0.6
        ? submittedBy(known, false)
        : who < 0.85
          ? submittedBy({ ...known, email: `new.person${out.length}@${known.company.domain}` }, false)
          : submittedBy(known, true);
    if (random.chance(duplicateShare)) {
      const at = random.int(0, state.existing.length - 1);
      const original = state.existing[at];
      if (!original) continue;
      const originalFeatureId = state.featureIds[at] ?? '';
      out.push({ kind: 'duplicate', ...duplicateOf(random, original), originalFeatureId, submitted });
      continue;
    }
    // A "new" request asking for what an existing feature is would be a duplicate: draw again.
    for (;;) {
      const need = drawNeed(random);
      if (needs.has(needKey(need))) continue;
      out.push({
        kind: 'new',
        title: title(need, random.int(0, phrasingCount(need) - 1)),
        body: body(random, need),
        submitted,
      });
      break;
    }
  }
  return out;
}

async function countRows(store: Store) {
  const [row] = await queryRows<{ postings: number; terms: number }>(
    store.db,
    sql`select (select count(*)::int from dedupe_postings) as postings, (select count(*)::int from dedupe_terms) as terms`,
  );
  return { postings: row?.postings ?? 0, terms: row?.terms ?? 0 };
}

async function possibleDuplicateOf(store: Store, featureId: string): Promise<string | undefined> {
  const [row] = await queryRows<{ of: string | null }>(
    store.db,
    sql`select possible_duplicate_of_id as of from features where id = ${featureId}`,
  );
  return row?.of ?? undefined;
}

/**
 * The service's triage use case over this store, timed without the queue: its after-commit jobs (pushes) are
 * dropped, as nothing is configured to push.
 */
export function triageOf(store: Store, engine: DedupeEngine) {
  const unitOfWork: UnitOfWork = (work) =>
    store.db.transaction((tx) => work({ tx, after: { push() {}, notify() {} } }));
  return createTriage({
    unitOfWork,
    folds: createCompanyFolds({ db: store.db, unitOfWork, scoring: DEFAULT_SCORING }),
    deps: { dedupe: engine, identity: { extraFreeMailDomains: [] }, scoring: DEFAULT_SCORING },
    learning: createDedupeLearning(engine),
  });
}

async function measure(
  store: Store,
  engine: DedupeEngine,
  settings: TriageSettings,
  run: TriageRun,
  signal: AbortSignal | undefined,
  progress: (message: string) => void,
) {
  const label = `triage: ${run.database} ${run.features.toLocaleString('en-US')}`;
  const random = createRandom(settings.seed * 1_000_003 + run.features);
  progress(`${label}: loading`);
  const state = await loadExisting(store.db, engine, run.features, random);
  run.rowsSeconds = state.rowsSeconds;
  run.indexSeconds = state.indexSeconds;
  run.documents = state.documents;
  if (store.kind === 'postgres') {
    const started = performance.now();
    await store.db.execute(sql`vacuum analyze`);
    run.analyseSeconds = (performance.now() - started) / 1000;
  }
  Object.assign(run, await countRows(store));
  progress(
    `${label}: loaded in ${state.rowsSeconds.toFixed(1)} s + index ${state.indexSeconds.toFixed(1)} s (${run.postings?.toLocaleString('en-US')} postings)`,
  );

  const triage = triageOf(store, engine);
  const { warmup, requests } = settings;
  const batch = incoming(random, state, warmup + requests, settings.duplicateShare);
  const times: number[] = [];
  const tally = {
    attached: 0,
    review: 0,
    duplicates: 0,
    duplicatesAttached: 0,
    duplicatesToOriginal: 0,
    duplicatesReview: 0,
    duplicatesReviewOfOriginal: 0,
    newRequests: 0,
    newAttached: 0,
    newReview: 0,
  };
  for (const [i, r] of batch.entries()) {
    if (signal?.aborted) break;
    const accepted = await store.requests.accept({
      source: 'bench',
      sourceRef: undefined,
      idempotencyScope: undefined,
      idempotencyKey: undefined,
      payloadHash: createHash('sha256').update(`${i}\n${r.title}\n${r.body}`).digest('hex'),
      title: r.title,
      body: r.body,
      url: undefined,
      tags: [],
      submittedRequester: r.submitted,
      receivedAt: new Date(),
    });
    const started = performance.now();
    const outcome = await triage(accepted.request.id);
    const ms = performance.now() - started;
    if (outcome.kind !== 'triaged') throw new Error(`request ${accepted.request.id}: ${outcome.kind}`);
    if (i < warmup) continue;
    times.push(ms);
    const attached = outcome.action === 'attached';
    // A new feature marked "possible duplicate of" is one the engine left to a person (not timed).
    const reviewOf = attached ? undefined : await possibleDuplicateOf(store, outcome.featureId);
    if (attached) tally.attached++;
    if (reviewOf) tally.review++;
    if (r.kind === 'duplicate') {
      tally.duplicates++;
      if (attached) tally.duplicatesAttached++;
      if (attached && outcome.featureId === r.originalFeatureId) tally.duplicatesToOriginal++;
      if (reviewOf) tally.duplicatesReview++;
      if (reviewOf && reviewOf === r.originalFeatureId) tally.duplicatesReviewOfOriginal++;
    } else {
      tally.newRequests++;
      if (attached) tally.newAttached++;
      if (reviewOf) tally.newReview++;
    }
  }
  Object.assign(run, tally, latencyFigures(times));
  progress(`${label}: p50 ${run.p50Ms?.toFixed(1)} ms, p95 ${run.p95Ms?.toFixed(1)} ms`);
}

export async function runTriageTarget({
  postgresAdminUrl,
  scratchDir,
  runId,
  sizes = TRIAGE_SETTINGS.sizes,
  requests = TRIAGE_SETTINGS.requests,
  signal,
  progress,
}: {
  postgresAdminUrl: string;
  scratchDir: string;
  runId: string;
  sizes?: readonly number[];
  requests?: number;
  signal?: AbortSignal;
  progress: (message: string) => void;
}): Promise<TriageResult> {
  const settings: TriageSettings = { ...TRIAGE_SETTINGS, sizes: [...sizes], requests };
  const result: TriageResult = { note: TRIAGE_NOTE, settings, runs: [] };
  const engine = createDedupeEngine();
  const loadAtStart = os.loadavg()[0] ?? 0;
  for (const database of TRIAGE_DATABASES) {
    for (const features of settings.sizes) {
      if (signal?.aborted) break;
      const run: TriageRun = { database, features };
      result.runs.push(run);
      let scratch: ScratchDatabase | undefined;
      const dataDir = path.join(scratchDir, `triage-${features}`);
      let store: Store | undefined;
      try {
        if (database === 'postgres') {
          scratch = await createScratchDatabase(postgresAdminUrl, `ss_bench_${runId}_triage_${features}`);
          store = openStore({ kind: 'postgres', url: scratch.url });
        } else {
          store = openStore({ kind: 'pglite', dataDir });
        }
        await store.migrate();
        await measure(store, engine, settings, run, signal, progress);
      } catch (err) {
        run.failed = (err as Error).message;
        progress(`triage: ${database} ${features}: failed: ${run.failed}`);
      } finally {
        await store?.close().catch(() => {});
        await scratch
          ?.drop()
          .catch((err: Error) => progress(`cleanup of ${scratch?.name} failed: ${err.message}`));
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  }
  result.loadAverage = [loadAtStart, os.loadavg()[0] ?? 0];
  return result;
}
