import { type AnalysedText, analyse, type TextInput } from './analyse.ts';
import type { DedupeIndexReader } from './dedupe-index.ts';
import type { CompiledLearning } from './learned.ts';
import { type Candidate, rankCandidates } from './rank.ts';
import { DEFAULT_RANK_OPTIONS, type RankOptions } from './rank-options.ts';
import { compileOpposites, compileSynonyms, DEFAULT_OPPOSITES, DEFAULT_SYNONYMS } from './synonyms.ts';

/**
 * A request joins the best candidate when the decision's confidence (its share of the evidence, see
 * `DedupeCalibration`) reaches `autoMerge`; otherwise it is a possible duplicate when the best candidate's own
 * confidence reaches `review`.
 */
export interface DedupeThresholds {
  autoMerge: number;
  review: number;
}

/**
 * How sure a decision is that the request belongs to the best candidate rather than to another candidate or to
 * none: each candidate weighs exp(confidence / spread), "none of these" weighs exp(noMatch / spread), and the
 * best candidate's share of the total is the merge confidence. So a candidate alone needs a confidence well
 * above `noMatch`, and a runner-up nearly as close (two features that look alike, or a request that fits both)
 * holds the decision back for review. Pass the candidates one per feature (a feature's best document).
 *
 * A candidate alone reaches a merge confidence p at confidence noMatch + spread × ln(p / (1 − p)): about 0.83 for
 * the defaults and p = 0.8. The defaults keep auto-merge precision at or above 0.95 on every development set.
 */
interface DedupeCalibration {
  spread: number;
  noMatch: number;
}

const DEFAULT_THRESHOLDS: DedupeThresholds = { autoMerge: 0.8, review: 0.5 };
export const DEFAULT_CALIBRATION: DedupeCalibration = { spread: 0.13, noMatch: 0.65 };

interface DedupeEngineOptions {
  synonyms?: readonly (readonly string[])[];
  opposites?: readonly (readonly [string, string])[];
  rank?: Partial<RankOptions>;
  thresholds?: Partial<DedupeThresholds>;
  calibration?: Partial<DedupeCalibration>;
}

interface DecisionBase {
  /** 0..1, the best candidate's share of the evidence (see `DedupeCalibration`); compared with `autoMerge`. */
  confidence: number;
  /** The closest other candidate, if any: what held a merge back when the two are close. */
  runnerUp: Candidate | undefined;
}

type DedupeDecision = DecisionBase &
  (
    | { action: 'merge'; candidate: Candidate }
    | { action: 'review'; candidate: Candidate }
    | { action: 'new'; candidate: Candidate | undefined }
  );

export interface DedupeEngine {
  readonly thresholds: DedupeThresholds;
  readonly calibration: DedupeCalibration;
  /** Text → index terms; the same analysis for what is indexed and what is looked up. */
  analyse(input: TextInput): AnalysedText;
  /**
   * The best `limit` documents of the index for this text, most similar first; with what the team's answers
   * taught (learned.ts), terms merges associated count as shared.
   */
  rank(
    query: AnalysedText,
    index: DedupeIndexReader,
    limit?: number,
    learned?: CompiledLearning,
  ): Promise<Candidate[]>;
  /**
   * Merge, review or new, from candidates in rank order with at most one per feature; it weighs those
   * `candidatesToWeigh` keeps, and returns one of them (the same object).
   */
  decide(candidates: readonly Candidate[], context?: DecideContext): DedupeDecision;
}

/** What a decision may take besides the candidates: the team's answers and the thresholds read off them. */
export interface DecideContext {
  /** Thresholds in use (calibrate.ts) in place of the configured ones. */
  thresholds?: DedupeThresholds;
  learned?: CompiledLearning;
  /** The feature the text already belongs to (a feature triaged again): see `candidatesToWeigh`. */
  featureId?: string;
}

/**
 * The candidates a decision weighs, in rank order. A text is taken to be about one need: the feature it already
 * belongs to when it has one (it is then no candidate of its own), otherwise its nearest feature (the first
 * candidate). A feature a person said is a different need from that one is never proposed, so a dismissed pair is
 * not proposed again, through a new request of either feature either; it still counts against a merge into the
 * feature proposed instead (`decide`). Triage and the replay both decide through this.
 */
export function candidatesToWeigh<C extends Candidate>(
  ranked: readonly C[],
  { featureId, learned }: Pick<DecideContext, 'featureId' | 'learned'> = {},
): C[] {
  const need = featureId ?? ranked[0]?.id;
  return ranked.filter(
    (c) => c.id !== featureId && (c.id === need || need === undefined || !learned?.dismissed(need, c.id)),
  );
}

/**
 * A candidate's share of the evidence against the other candidates and against no match at all (see
 * `DedupeCalibration`): by default the most confident candidate's.
 */
export function mergeConfidence(
  candidates: readonly Candidate[],
  calibration: DedupeCalibration,
  chosen: Candidate | undefined = undefined,
): number {
  if (candidates.length === 0) return 0;
  const top = Math.max(...candidates.map((c) => c.confidence));
  // Shifted by the largest exponent so that no term overflows; the share is unchanged.
  const shift = Math.max(top, chosen?.confidence ?? top, calibration.noMatch);
  const weight = (confidence: number) => Math.exp((confidence - shift) / calibration.spread);
  let total = weight(calibration.noMatch);
  for (const c of candidates) total += weight(c.confidence);
  return weight(chosen?.confidence ?? top) / total;
}

/** The similarity engine: configuration compiled once, then pure functions of text and an index view. */
export function createDedupeEngine(options: DedupeEngineOptions = {}): DedupeEngine {
  const synonyms = compileSynonyms(options.synonyms ?? DEFAULT_SYNONYMS);
  const opposites = compileOpposites(options.opposites ?? DEFAULT_OPPOSITES);
  const rankOptions: RankOptions = { ...DEFAULT_RANK_OPTIONS, ...options.rank };
  const thresholds: DedupeThresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const calibration: DedupeCalibration = { ...DEFAULT_CALIBRATION, ...options.calibration };
  return {
    thresholds,
    calibration,
    analyse: (input) => analyse(input, synonyms),
    rank: (query, index, limit = 10, learned = undefined) =>
      rankCandidates(
        query,
        index,
        learned ? { synonyms, opposites, learned } : { synonyms, opposites },
        limit,
        rankOptions,
      ),
    decide(ranked, context = {}) {
      const inUse = context.thresholds ?? thresholds;
      // A contradiction lowers a candidate's confidence, not its rank: decide on the most confident one.
      const candidates = candidatesToWeigh(ranked, context).sort((a, b) => b.confidence - a.confidence);
      const best = candidates[0];
      // A feature set aside by a dismissal is never proposed, but it still competes: the request may be about it,
      // so it holds back a merge into the one proposed instead as much as any other close candidate would.
      const competing = ranked.filter((c) => c.id !== context.featureId);
      const confidence = best ? mergeConfidence(competing, calibration, best) : 0;
      const runnerUp = candidates[1];
      if (best && confidence >= inUse.autoMerge) {
        return { action: 'merge', candidate: best, confidence, runnerUp };
      }
      if (best && best.confidence >= inUse.review) {
        return { action: 'review', candidate: best, confidence, runnerUp };
      }
      return { action: 'new', candidate: best, confidence, runnerUp };
    },
  };
}
