import { type AnalysedText, analyse, type TextInput } from './analyse.ts';
import type { DedupeIndexReader } from './dedupe-index.ts';
import { type Candidate, DEFAULT_RANK_OPTIONS, type RankOptions, rankCandidates } from './rank.ts';
import { compileOpposites, compileSynonyms, DEFAULT_OPPOSITES, DEFAULT_SYNONYMS } from './synonyms.ts';

/** Above `autoMerge` a request joins the candidate; from `review` up to it, it is a possible duplicate. */
export interface DedupeThresholds {
  autoMerge: number;
  review: number;
}

export const DEFAULT_THRESHOLDS: DedupeThresholds = { autoMerge: 0.8, review: 0.5 };

export interface DedupeEngineOptions {
  synonyms?: readonly (readonly string[])[];
  opposites?: readonly (readonly [string, string])[];
  rank?: Partial<RankOptions>;
  thresholds?: Partial<DedupeThresholds>;
}

export type DedupeDecision =
  | { action: 'merge'; candidate: Candidate }
  | { action: 'review'; candidate: Candidate }
  | { action: 'new'; candidate: Candidate | undefined };

export interface DedupeEngine {
  readonly thresholds: DedupeThresholds;
  /** Text → index terms; the same analysis for what is indexed and what is looked up. */
  analyse(input: TextInput): AnalysedText;
  /** The best `limit` documents of the index for this text, highest confidence first. */
  rank(query: AnalysedText, index: DedupeIndexReader, limit?: number): Promise<Candidate[]>;
  decide(candidates: readonly Candidate[]): DedupeDecision;
}

/** The similarity engine: configuration compiled once, then pure functions of text and an index view. */
export function createDedupeEngine(options: DedupeEngineOptions = {}): DedupeEngine {
  const synonyms = compileSynonyms(options.synonyms ?? DEFAULT_SYNONYMS);
  const opposites = compileOpposites(options.opposites ?? DEFAULT_OPPOSITES);
  const rankOptions: RankOptions = { ...DEFAULT_RANK_OPTIONS, ...options.rank };
  const thresholds: DedupeThresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  return {
    thresholds,
    analyse: (input) => analyse(input, synonyms),
    rank: (query, index, limit = 10) => rankCandidates(query, index, opposites, limit, rankOptions),
    decide(candidates) {
      const best = candidates[0];
      if (best && best.confidence >= thresholds.autoMerge) return { action: 'merge', candidate: best };
      if (best && best.confidence >= thresholds.review) return { action: 'review', candidate: best };
      return { action: 'new', candidate: best };
    },
  };
}
