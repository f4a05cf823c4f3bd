import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { DedupeEngine } from '../src/rules/dedupe/engine.ts';
import { tokeniseAll } from '../src/rules/dedupe/tokenise.ts';
import { queryRows } from '../src/store/db.ts';
import type { Store } from '../src/store/store.ts';
import { createRandom, duplicateOf, type Random } from './triage-corpus.ts';
import { type LoadedState, loadExisting, submittedBy } from './triage-load.ts';
import { triageOf } from './triage-target.ts';

/**
 * The console benchmark's database: the triage benchmark's bulk load (companies, requesters, one triaged request
 * per feature, the dedupe index the word search reads), then, in bulk SQL, what a backlog that has lived looks
 * like: statuses, scores, counts and revenue spread out, some features merged, tracker links on a share of them.
 * Then reworded duplicates go through the triage use case until enough possible duplicates wait for review, so
 * the review page shows items with triage's own evidence.
 */

export const CONSOLE_SEED = {
  seed: 11,
  /** Shares of the statuses (the rest `received`), and of features merged into another. */
  statuses: { under_review: 0.1, planned: 0.1, in_progress: 0.08, shipped: 0.06, declined: 0.04 },
  merged: 0.01,
  /** Share of the live features with a tracker issue (half Jira, half Linear). */
  linked: 0.4,
  /** Possible duplicates wanted in the review queue; at most `reviewTriages` requests are triaged to get them. */
  reviewItems: 60,
  reviewTriages: 1_500,
};

const BATCH = 2_000;
const p = <T>(value: T) => sql.param(value);
const seconds = (since: number) => (performance.now() - since) / 1000;

export interface ConsoleSeeded {
  features: number;
  rowsSeconds: number;
  indexSeconds: number;
  shapeSeconds: number;
  reviewSeconds: number;
  analyseSeconds: number;
  links: number;
  reviewPending: number;
  reviewTriaged: number;
  /** Words of existing titles, for the word searches. */
  words: string[];
}

function drawStatus(random: Random): string {
  let x = random.next();
  for (const [status, share] of Object.entries(CONSOLE_SEED.statuses)) {
    if (x < share) return status;
    x -= share;
  }
  return 'received';
}

/** Statuses, scores, counts, revenue and recency spread out; a few features merged into another. */
async function shapeFeatures(store: Store, ids: readonly string[], random: Random): Promise<void> {
  const now = Date.now();
  const rows = ids.map((id) => {
    const merged = random.chance(CONSOLE_SEED.merged);
    const requesters = 1 + Math.floor(-Math.log(1 - random.next()) * 4);
    return {
      id,
      status: merged ? 'merged' : drawStatus(random),
      mergedInto: merged ? random.pick(ids) : null,
      score: Math.round(100 * random.next() ** 3 * 100) / 100,
      requesters,
      companies: Math.max(1, Math.round(requesters * 0.7)),
      revenue: random.int(0, 400) * 25_000,
      at: new Date(now - random.int(0, 730 * 24) * 3_600_000).toISOString(),
    };
  });
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    await store.db.execute(sql`
      update features f set status = v.status, merged_into_id = nullif(v.merged_into, f.id), score = v.score,
        request_count = v.requesters, requester_count = v.requesters, company_count = v.companies,
        last_requested_at = v.at, scored_at = now(),
        score_breakdown = jsonb_build_object('terms', jsonb_build_object('revenue', jsonb_build_object('totalRevenue', v.revenue)))
      from unnest(${p(batch.map((r) => r.id))}::uuid[], ${p(batch.map((r) => r.status))}::text[],
                  ${p(batch.map((r) => r.mergedInto))}::uuid[], ${p(batch.map((r) => r.score))}::float8[],
                  ${p(batch.map((r) => r.requesters))}::int[], ${p(batch.map((r) => r.companies))}::int[],
                  ${p(batch.map((r) => r.revenue))}::float8[], ${p(batch.map((r) => r.at))}::timestamptz[])
           as v(id, status, merged_into, score, requesters, companies, revenue, at)
      where f.id = v.id`);
  }
  // A feature drawn as merged into itself stays live.
  await store.db.execute(
    sql`update features set status = 'received' where status = 'merged' and merged_into_id is null`,
  );
}

/** One linked issue on a share of the live features, in the sandbox's Jira site or Linear workspace. */
async function linkIssues(store: Store, ids: readonly string[], random: Random): Promise<number> {
  const linked = ids.filter(() => random.chance(CONSOLE_SEED.linked));
  for (let i = 0; i < linked.length; i += BATCH) {
    const batch = linked.slice(i, i + BATCH).map((featureId, j) => {
      const n = i + j + 1;
      const jira = n % 2 === 0;
      return {
        featureId,
        kind: jira ? 'jira' : 'linear',
        key: jira ? `SBX-${n}` : `ENG-${n}`,
        target: JSON.stringify(
          jira
            ? { kind: 'jira', site: 'sandbox', project: 'SBX' }
            : { kind: 'linear', workspace: 'sandbox', team: 'ENG' },
        ),
        status: random.pick(['To Do', 'In Progress', 'Done']),
      };
    });
    await store.db.execute(sql`
      insert into tracker_links (feature_id, kind, site, target, idempotency_key, issue_id, issue_key, url, state,
                                 "primary", status_name, pushed_at, marked_at)
      select v.feature_id, v.kind, 'sandbox', v.target, 'bench-' || v.key, 'id-' || v.key, v.key,
             'https://tracker.example/' || v.key, 'linked', true, v.status, now(), now()
      from unnest(${p(batch.map((b) => b.featureId))}::uuid[], ${p(batch.map((b) => b.kind))}::text[],
                  ${p(batch.map((b) => b.key))}::text[], ${p(batch.map((b) => b.target))}::jsonb[],
                  ${p(batch.map((b) => b.status))}::text[]) as v(feature_id, kind, key, target, status)`);
  }
  return linked.length;
}

async function countPendingReview(store: Store): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    store.db,
    sql`select count(*)::int as n from features
        where possible_duplicate_of_id is not null and reviewed_at is null and merged_into_id is null`,
  );
  return row?.n ?? 0;
}

/** Reworded duplicates through the triage use case until `reviewItems` possible duplicates wait for a person. */
async function fillReviewQueue(store: Store, engine: DedupeEngine, state: LoadedState, random: Random) {
  const triage = triageOf(store, engine);
  let triaged = 0;
  while (triaged < CONSOLE_SEED.reviewTriages) {
    if (triaged % 50 === 0 && (await countPendingReview(store)) >= CONSOLE_SEED.reviewItems) break;
    const original = random.pick(state.existing);
    const { title, body } = duplicateOf(random, original);
    const accepted = await store.requests.accept({
      source: 'bench',
      sourceRef: undefined,
      idempotencyScope: undefined,
      idempotencyKey: undefined,
      payloadHash: createHash('sha256').update(`console ${triaged}\n${title}\n${body}`).digest('hex'),
      title,
      body,
      url: undefined,
      tags: [],
      submittedRequester: submittedBy(random.pick(state.requesters), false),
      receivedAt: new Date(),
    });
    await triage(accepted.request.id);
    triaged++;
  }
  return { triaged, pending: await countPendingReview(store) };
}

/** Distinct content words of the existing titles (what a product owner would type), in a seeded order. */
function searchWords(state: LoadedState, random: Random, count: number): string[] {
  const words = new Set<string>();
  for (let tries = 0; words.size < count && tries < count * 50; tries++) {
    const candidates = tokeniseAll(random.pick(state.existing).title).filter(
      (t) => !t.stop && t.word.length >= 4,
    );
    if (candidates.length > 0) words.add(random.pick(candidates).word.toLowerCase());
  }
  return [...words];
}

export async function seedConsole(
  store: Store,
  engine: DedupeEngine,
  features: number,
  progress: (message: string) => void,
): Promise<ConsoleSeeded> {
  const random = createRandom(CONSOLE_SEED.seed * 1_000_003 + features);
  const state = await loadExisting(store.db, engine, features, random);
  progress(
    `console: ${features.toLocaleString('en-US')} features loaded in ${state.rowsSeconds.toFixed(1)} s + index ${state.indexSeconds.toFixed(1)} s`,
  );
  let started = performance.now();
  await shapeFeatures(store, state.featureIds, random);
  const links = await linkIssues(store, state.featureIds, random);
  const shapeSeconds = seconds(started);
  started = performance.now();
  const review = await fillReviewQueue(store, engine, state, random);
  const reviewSeconds = seconds(started);
  progress(
    `console: ${review.pending} possible duplicates after ${review.triaged} triages (${reviewSeconds.toFixed(1)} s)`,
  );
  started = performance.now();
  await store.db.execute(sql`vacuum analyze`);
  return {
    features,
    rowsSeconds: state.rowsSeconds,
    indexSeconds: state.indexSeconds,
    shapeSeconds,
    reviewSeconds,
    analyseSeconds: seconds(started),
    links,
    reviewPending: review.pending,
    reviewTriaged: review.triaged,
    words: searchWords(state, random, 60),
  };
}
