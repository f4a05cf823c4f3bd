import type { AnalysedText, TextInput } from './analyse.ts';

/**
 * One answer a person gave to a review question: the request's text (`a`) against the candidate's (`b`), the two
 * features (`[request's feature, candidate feature]`), and the scores the engine gave the pair when it asked (the
 * decision's merge confidence and the candidate's own confidence), so thresholds can be read off the answers.
 * A merge nobody was asked about (by hand, or a duplicate marked in the tracker) has no scores: it teaches its
 * words and counts for nothing else. "Merge the other way" is a merge: the two are one need whichever survives.
 */
export interface DedupeAnswer {
  a: TextInput;
  b: TextInput;
  featureIds: readonly [string, string];
  answer: 'merge' | 'dismiss';
  /** ISO time of the answer; it orders nothing here, it is kept for the stats page. */
  at: string;
  /** The decision's merge confidence when the pair was asked about; with `own`, or neither. */
  confidence?: number | undefined;
  own?: number | undefined;
}

/** A term of one text and a term of the other that a merge said mean the same thing, and how often. */
interface Association {
  a: string;
  b: string;
  merges: number;
}

/**
 * What the team's answers taught, as plain JSON (stored in the database so every worker decides the same way).
 * Every field is a sum over the answers, so removing an answer (an undone merge) subtracts exactly what adding
 * it added, and the result equals learning again from the remaining answers.
 */
export interface LearnedEvidence {
  version: 1;
  /** Feature pairs (sorted ids) a person said are different needs, with how many times. */
  dismissed: [string, string, number][];
  /** Title-term associations from merges, each pair sorted. */
  associations: Association[];
  /**
   * Each associated term's pairings: over the merges in which it set its text apart, the number of words of the
   * other text it was paired with (the denominator of an association's weight).
   */
  distinguishing: [string, number][];
  /** The scored answers' scores (an answer without both counts for no threshold), for calibrate.ts, sorted. */
  scores: { confidence: number; own: number; merge: boolean }[];
}

export const EMPTY_EVIDENCE: LearnedEvidence = {
  version: 1,
  dismissed: [],
  associations: [],
  distinguishing: [],
  scores: [],
};

/**
 * A merge teaches word pairs only when each title has at most this many words the other text lacks: with more,
 * which word stands for which is a guess (every pairing would be learned, nearly all of them wrong).
 */
const MAX_TERMS_PER_SIDE = 3;

const sortedPair = (x: string, y: string): [string, string] => (x <= y ? [x, y] : [y, x]);

/**
 * The title terms each text has that the other lacks anywhere (title or body): what sets two texts apart. A
 * merge says these name the same thing in other words. Synonym group terms (`~…`) are left out: the group
 * already says it.
 */
export function distinguishingTerms(a: AnalysedText, b: AnalysedText): { onlyA: string[]; onlyB: string[] } {
  const has = (t: AnalysedText, term: string) => t.title.tf.has(term) || t.body.tf.has(term);
  const only = (x: AnalysedText, y: AnalysedText) =>
    [...x.title.tf.keys()].filter((term) => !term.startsWith('~') && !has(y, term)).sort();
  return { onlyA: only(a, b), onlyB: only(b, a) };
}

/** The scores with the answer's added (sign 1) or taken out (sign −1), when it has both; a new list. */
function withScore(scores: LearnedEvidence['scores'], answer: DedupeAnswer, sign: 1 | -1) {
  const { confidence, own } = answer;
  if (confidence === undefined || own === undefined) return [...scores];
  const merge = answer.answer === 'merge';
  if (sign === 1) return [...scores, { confidence, own, merge }];
  const at = scores.findIndex((s) => s.confidence === confidence && s.own === own && s.merge === merge);
  return at < 0 ? [...scores] : scores.toSpliced(at, 1);
}

/** What one answer adds to (sign 1) or takes from (sign −1) the evidence; a new object, the input is unchanged. */
function apply(
  evidence: LearnedEvidence,
  answer: DedupeAnswer,
  analyse: (input: TextInput) => AnalysedText,
  sign: 1 | -1,
): LearnedEvidence {
  const dismissed = new Map(evidence.dismissed.map(([x, y, n]) => [`${x}\u0000${y}`, n]));
  const associations = new Map(evidence.associations.map((s) => [`${s.a}\u0000${s.b}`, s.merges]));
  const distinguishing = new Map(evidence.distinguishing);
  const scores = withScore(evidence.scores, answer, sign);
  const bump = (map: Map<string, number>, key: string, by = 1) => {
    const n = (map.get(key) ?? 0) + sign * by;
    if (n > 0) map.set(key, n);
    else map.delete(key);
  };
  if (answer.answer === 'dismiss') {
    bump(dismissed, sortedPair(answer.featureIds[0], answer.featureIds[1]).join('\u0000'));
  } else {
    const { onlyA, onlyB } = distinguishingTerms(analyse(answer.a), analyse(answer.b));
    const clear = onlyA.length <= MAX_TERMS_PER_SIDE && onlyB.length <= MAX_TERMS_PER_SIDE;
    if (clear && onlyA.length > 0 && onlyB.length > 0) {
      for (const x of onlyA) for (const y of onlyB) bump(associations, sortedPair(x, y).join('\u0000'));
      for (const t of onlyA) bump(distinguishing, t, onlyB.length);
      for (const t of onlyB) bump(distinguishing, t, onlyA.length);
    }
  }
  return normalised(dismissed, associations, distinguishing, scores);
}

/** One canonical order, so the same answers give the same JSON however they arrived. */
function normalised(
  dismissed: Map<string, number>,
  associations: Map<string, number>,
  distinguishing: Map<string, number>,
  scores: LearnedEvidence['scores'],
): LearnedEvidence {
  const split = (key: string) => key.split('\u0000') as [string, string];
  return {
    version: 1,
    dismissed: [...dismissed.entries()]
      .map(([key, n]) => [...split(key), n] as [string, string, number])
      .sort((p, q) => p[0].localeCompare(q[0]) || p[1].localeCompare(q[1])),
    associations: [...associations.entries()]
      .map(([key, merges]) => {
        const [a, b] = split(key);
        return { a, b, merges };
      })
      .sort((p, q) => p.a.localeCompare(q.a) || p.b.localeCompare(q.b)),
    distinguishing: [...distinguishing.entries()].sort((p, q) => p[0].localeCompare(q[0])),
    scores: scores.sort(
      (p, q) => p.confidence - q.confidence || p.own - q.own || Number(p.merge) - Number(q.merge),
    ),
  };
}

export const withAnswer = (
  evidence: LearnedEvidence,
  answer: DedupeAnswer,
  analyse: (input: TextInput) => AnalysedText,
) => apply(evidence, answer, analyse, 1);

/** The evidence without one answer it was built from (an undone merge): exactly what adding it added. */
export const withoutAnswer = (
  evidence: LearnedEvidence,
  answer: DedupeAnswer,
  analyse: (input: TextInput) => AnalysedText,
) => apply(evidence, answer, analyse, -1);

/** The evidence a list of answers teaches. */
export function learnFrom(
  answers: readonly DedupeAnswer[],
  analyse: (input: TextInput) => AnalysedText,
): LearnedEvidence {
  return answers.reduce((evidence, answer) => withAnswer(evidence, answer, analyse), EMPTY_EVIDENCE);
}

/** The evidence as the ranker and the decision read it: lookups, compiled once per change. */
export interface CompiledLearning {
  /** Whether a person said these two features are different needs. */
  dismissed(x: string, y: string): boolean;
  /** Terms merges associated with this one, each with its weight (0..1, see `associationWeight`). */
  related(term: string): readonly { term: string; weight: number }[];
  /**
   * How much a term counts as present in a text that lacks it but has a term merges associated with it: the
   * strongest such association's weight, 0 when there is none.
   */
  credit(term: string, has: (term: string) => boolean): number;
}

/**
 * An association of x and y confirmed by m merges weighs m / (n + 1), where n is the number of pairings of x or of
 * y (the larger): over the merges in which the word set its text apart, the words of the other text it could have
 * meant. It is the share of the word's pairings that were this one, with one unconfirmed pairing for doubt. One
 * clear merge ("custom fields on tix" / "on tickets") counts a half, each pair of a merge with two words apart on
 * each side a third; a word the team always renders the same way tends to a full match; a pairing that happened
 * once among many of either word stays small.
 */
export const associationWeight = (merges: number, distinguishing: number) => merges / (distinguishing + 1);

/**
 * Compiles the evidence for lookups. `survivorOf` names the live feature each feature id now stands for (the end
 * of its merge chain; itself when live): a dismissal is kept against the two features as they were, and a feature
 * merged since is a candidate, or the nearest feature, only through its survivor, so the pair is compared there.
 * A pair whose two sides were merged into one feature since is dismissed no longer.
 */
export function compileLearning(
  evidence: LearnedEvidence,
  survivorOf: (featureId: string) => string = (featureId) => featureId,
): CompiledLearning {
  const dismissed = new Set<string>();
  for (const [x, y] of evidence.dismissed) {
    const [p, q] = [survivorOf(x), survivorOf(y)];
    if (p !== q) dismissed.add(sortedPair(p, q).join('\u0000'));
  }
  const apart = new Map(evidence.distinguishing);
  const related = new Map<string, { term: string; weight: number }[]>();
  const relate = (x: string, y: string, weight: number) => {
    const list = related.get(x);
    if (list) list.push({ term: y, weight });
    else related.set(x, [{ term: y, weight }]);
  };
  for (const { a, b, merges } of evidence.associations) {
    const weight = associationWeight(merges, Math.max(apart.get(a) ?? merges, apart.get(b) ?? merges));
    relate(a, b, weight);
    relate(b, a, weight);
  }
  const none: { term: string; weight: number }[] = [];
  return {
    dismissed: (x, y) => dismissed.has(sortedPair(x, y).join('\u0000')),
    related: (term) => related.get(term) ?? none,
    credit(term, has) {
      let best = 0;
      for (const r of related.get(term) ?? none) if (r.weight > best && has(r.term)) best = r.weight;
      return best;
    },
  };
}

/**
 * An association shown on the stats page is confirmed by at least this many merges: one merge can pair any two
 * words of two titles, a customer's or a company's name among them.
 */
const SHOWN_FROM_MERGES = 2;

/**
 * What the evidence holds, for a stats page: counts, and the strongest associations that more than one merge
 * confirmed, with their weights.
 */
export function learnedSummary(evidence: LearnedEvidence, limit = 20) {
  const compiled = compileLearning(evidence);
  const strongest = evidence.associations
    .filter(({ merges }) => merges >= SHOWN_FROM_MERGES)
    .map(({ a, b, merges }) => ({
      a,
      b,
      merges,
      weight: Math.round((compiled.related(a).find((r) => r.term === b)?.weight ?? 0) * 1000) / 1000,
    }))
    .sort((p, q) => q.weight - p.weight || q.merges - p.merges || p.a.localeCompare(q.a))
    .slice(0, limit);
  return {
    answers: evidence.scores.length,
    dismissedPairs: evidence.dismissed.length,
    associations: evidence.associations.length,
    strongest,
  };
}
