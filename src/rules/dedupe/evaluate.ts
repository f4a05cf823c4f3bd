import type { AnalysedText } from './analyse.ts';
import type { DedupeIndex } from './dedupe-index.ts';
import type { DedupeEngine } from './engine.ts';
import { InMemoryDedupeIndex } from './memory-index.ts';

export interface CorpusDocument {
  id: string;
  title: string;
  body: string;
}

export interface LabelledQuery {
  queryId: string;
  targetId: string;
}

interface EvaluationOptions {
  /** Each query sees only the documents before it in the corpus order (as if requests arrived in that order). */
  pastOnly: boolean;
  autoMerge: number;
  /** The candidate confidence at which a request not merged is queued for review (the engine's `review`). */
  review: number;
}

interface EvaluationResult {
  'R@1': number;
  'R@5': number;
  'R@10': number;
  MRR: number;
  n: number;
  /** Queries left out because their original is not in their pool (only with past-only). */
  excluded: number;
  threshold: number;
  /** Of the queries auto-merged, the share merged into their labelled original. */
  precision: number;
  /**
   * Of the queries auto-merged, the share merged into their original, into another labelled duplicate of the
   * same original (in the service that document is already in the original's feature), or into a document whose
   * title and body are the query's own, word for word (the sets hold some reports twice under two ids).
   */
  precisionSameNeed: number;
  /** Of all queries, the share auto-merged into their labelled original. */
  recall: number;
  /** Of all queries, the share auto-merged into their labelled original or queued for review against it. */
  reviewRecall: number;
  /** With the original taken out of the pool, the share of queries still auto-merged somewhere. */
  falseMergeRateWithoutOriginal: number;
  /**
   * Recall and MRR as triage ranks: the labelled duplicates of one original are one feature, candidates count
   * once per feature (the best document of each), and a query finds its feature through its original or through
   * any other duplicate of it. Above the per-document figures when a set holds several duplicates of one original.
   */
  byFeature: {
    'R@1': number;
    'R@5': number;
    'R@10': number;
    MRR: number;
    /** Of all queries, the share auto-merged into their original's feature (the original or a duplicate of it). */
    recall: number;
    /** Of all queries, the share auto-merged into their original's feature or queued for review against it. */
    reviewRecall: number;
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** A document's text as compared to spot word-for-word copies: trimmed, lower case. */
export const comparableText = (d: CorpusDocument) =>
  `${d.title.trim().toLowerCase()}\n${d.body.trim().toLowerCase()}`;

/** What happened to one query: where its original ranked, and what the top candidates were. */
export interface QueryOutcome {
  queryId: string;
  targetId: string;
  /** 1-based rank of the original among the top ten; 0 when it is not there. */
  rank: number;
  /** 1-based rank of the original's feature among the top ten features (see `byFeature`); 0 when not there. */
  featureRank: number;
  /**
   * The candidate the engine decided on, with the decision's merge confidence, the candidate's own confidence
   * (compared with the review threshold), whether its text is the query's, and whether it is in the original's
   * feature by every label of the set (the original, or a labelled duplicate of it, directly or through others).
   */
  top: { id: string; confidence: number; own: number; sameText: boolean; sameNeed: boolean } | undefined;
  /** The decision's merge confidence once the original is taken out of the pool. */
  topWithoutOriginal: number;
}

/**
 * Replays labelled duplicates through the engine: each query document is the new request, the rest of its pool
 * the existing ones. Pure: the corpus and labels are passed in.
 */
export async function replay(
  engine: DedupeEngine,
  corpus: readonly CorpusDocument[],
  queries: readonly LabelledQuery[],
  pastOnly: boolean,
): Promise<{ outcomes: QueryOutcome[]; excluded: number }> {
  const position = new Map(corpus.map((d, i) => [d.id, i]));
  const textOf = (id: string) => {
    const d = corpus[position.get(id) ?? -1];
    return d && comparableText(d);
  };
  const analysed = corpus.map((d) => engine.analyse(d));
  const index = new InMemoryDedupeIndex();
  const need = duplicateGroups(queries);
  const byPosition = [...queries].sort(
    (a, b) => (position.get(a.queryId) ?? 0) - (position.get(b.queryId) ?? 0),
  );
  let added = 0;
  if (!pastOnly) {
    for (const [i, d] of corpus.entries()) index.add(d.id, analysed[i] ?? engine.analyse(d));
  }
  const outcomes: QueryOutcome[] = [];
  let excluded = 0;
  for (const q of byPosition) {
    const at = position.get(q.queryId);
    const query = at === undefined ? undefined : analysed[at];
    if (at === undefined || query === undefined || !position.has(q.targetId)) {
      excluded++;
      continue;
    }
    if (pastOnly) {
      for (; added < at; added++) {
        const doc = corpus[added];
        const text = analysed[added];
        if (doc && text) index.add(doc.id, text);
      }
    }
    const wasIndexed = index.has(q.queryId);
    index.remove(q.queryId);
    const target = analysed[position.get(q.targetId) ?? -1];
    if (index.has(q.targetId) && target) {
      outcomes.push(await outcomeOf(engine, { ...q, query, target }, index, { need, textOf }));
    } else {
      excluded++;
    }
    if (wasIndexed) index.add(q.queryId, query);
  }
  return { outcomes, excluded };
}

/** What an outcome is judged by: the labelled needs, and each document's text (to spot word-for-word copies). */
export interface OutcomeContext {
  need: (id: string) => string;
  textOf: (id: string) => string | undefined;
}

/**
 * One query against an index that holds its original (and not the query): where the original and its feature
 * rank, the decision, and the decision once the original is taken out (the index is left as it was).
 */
export async function outcomeOf(
  engine: DedupeEngine,
  q: LabelledQuery & { query: AnalysedText; target: AnalysedText },
  index: DedupeIndex,
  { need, textOf }: OutcomeContext,
): Promise<QueryOutcome> {
  // As deep as triage reads (CANDIDATE_DOCUMENTS in application/triage.ts), for the ranking by feature.
  const deep = await engine.rank(q.query, index, FEATURE_DEPTH);
  const ranked = deep.slice(0, 10);
  const decision = engine.decide(ranked);
  index.remove(q.targetId);
  const alone = engine.decide(await engine.rank(q.query, index, 10));
  index.add(q.targetId, q.target);
  return {
    queryId: q.queryId,
    targetId: q.targetId,
    rank: ranked.findIndex((c) => c.id === q.targetId) + 1,
    featureRank: featureRank(deep, need, q.targetId),
    top: decision.candidate && {
      id: decision.candidate.id,
      confidence: decision.confidence,
      own: decision.candidate.confidence,
      sameText: textOf(decision.candidate.id) === textOf(q.queryId),
      sameNeed: need(decision.candidate.id) === need(q.targetId),
    },
    topWithoutOriginal: alone.confidence,
  };
}

/** Labelled duplicates of one original form one need: a union-find over the query → original pairs. */
export function duplicateGroups(
  pairs: readonly { queryId: string; targetId: string }[],
): (id: string) => string {
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let root = id;
    for (let next = parent.get(root); next !== undefined && next !== root; next = parent.get(root))
      root = next;
    parent.set(id, root);
    return root;
  };
  for (const o of pairs) {
    const a = find(o.queryId);
    const b = find(o.targetId);
    if (a !== b) parent.set(a, b);
  }
  return find;
}

/** Documents ranked when ranking by feature: as many as triage reads. */
const FEATURE_DEPTH = 30;

/** Where the target's feature comes among the features of `ranked` (each once, at its best document); 0: not in ten. */
function featureRank(
  ranked: readonly { id: string }[],
  need: (id: string) => string,
  targetId: string,
): number {
  const seen = new Set<string>();
  for (const c of ranked) {
    const feature = need(c.id);
    if (seen.has(feature)) continue;
    seen.add(feature);
    if (feature === need(targetId)) return seen.size <= 10 ? seen.size : 0;
    if (seen.size >= 10) return 0;
  }
  return 0;
}

/** The figures `dedupe-eval` prints, from the outcomes of a replay and an auto-merge threshold. */
export function summarise(
  outcomes: readonly QueryOutcome[],
  excluded: number,
  thresholds: { autoMerge: number; review: number },
): EvaluationResult {
  const { autoMerge, review } = thresholds;
  const n = outcomes.length;
  const share = (x: number, of: number) => (of ? round(x / of) : 0);
  const within = (k: number, rank = (o: QueryOutcome) => o.rank) =>
    outcomes.filter((o) => rank(o) >= 1 && rank(o) <= k).length;
  const mrr = (rank: (o: QueryOutcome) => number) =>
    share(
      outcomes.reduce((sum, o) => sum + (rank(o) ? 1 / rank(o) : 0), 0),
      n,
    );
  const byFeature = (o: QueryOutcome) => o.featureRank;
  const merged = outcomes.filter((o) => o.top && o.top.confidence >= autoMerge);
  const mergedRight = merged.filter((o) => o.top?.id === o.targetId).length;
  // Merged or queued for review: a person sees the right candidate beside the request.
  const placed = outcomes.filter((o) => o.top && (o.top.confidence >= autoMerge || o.top.own >= review));
  // Judged by every label of the set, not only the pairs replayed: past only leaves out the pairs whose original
  // came later, and a merge into such a duplicate still lands on the right feature.
  const sameFeature = (o: QueryOutcome) => o.top?.sameNeed === true;
  return {
    'R@1': share(within(1), n),
    'R@5': share(within(5), n),
    'R@10': share(within(10), n),
    MRR: mrr((o) => o.rank),
    n,
    excluded,
    threshold: autoMerge,
    // No merge at all is no wrong merge.
    precision: merged.length ? share(mergedRight, merged.length) : 1,
    precisionSameNeed: merged.length
      ? share(merged.filter((o) => o.top && (o.top.sameText || o.top.sameNeed)).length, merged.length)
      : 1,
    recall: share(mergedRight, n),
    reviewRecall: share(placed.filter((o) => o.top?.id === o.targetId).length, n),
    falseMergeRateWithoutOriginal: share(outcomes.filter((o) => o.topWithoutOriginal >= autoMerge).length, n),
    byFeature: {
      'R@1': share(within(1, byFeature), n),
      'R@5': share(within(5, byFeature), n),
      'R@10': share(within(10, byFeature), n),
      MRR: mrr(byFeature),
      recall: share(merged.filter(sameFeature).length, n),
      reviewRecall: share(placed.filter(sameFeature).length, n),
    },
  };
}

export async function evaluate(
  engine: DedupeEngine,
  corpus: readonly CorpusDocument[],
  queries: readonly LabelledQuery[],
  options: EvaluationOptions,
): Promise<EvaluationResult> {
  const { outcomes, excluded } = await replay(engine, corpus, queries, options.pastOnly);
  return summarise(outcomes, excluded, options);
}
