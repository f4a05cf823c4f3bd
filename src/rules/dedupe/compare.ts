import type { CompiledLearning } from './learned.ts';
import type { CompiledOpposites, CompiledSynonyms } from './synonyms.ts';

/** One side of a comparison: its title terms, and every term it has (title and body). */
export interface ComparedText {
  titleTerms: readonly string[];
  has(term: string): boolean;
}

/** What the two titles share and what sets them apart. */
interface TitleComparison {
  /** idf-weighted share of the request's title terms that the candidate has anywhere (0..1). */
  queryCoverage: number;
  /** idf-weighted share of the candidate's title terms that the request has anywhere (0..1). */
  candidateCoverage: number;
  /** Title terms of the request the candidate lacks, and of the candidate the request lacks, rarest first. */
  onlyInRequest: string[];
  onlyInCandidate: string[];
  /** Opposite words ("export/import") and differing numbers or versions ("3.11/3.12") across the titles. */
  contradictions: string[];
}

export interface CompareContext {
  idf(term: string): number;
  synonyms: CompiledSynonyms;
  opposites: CompiledOpposites;
  /** How much a typo match counts, relative to an exact one. */
  typoDiscount: number;
  /** Typo matches: a request term → the indexed terms it was matched as. */
  typoOf: ReadonlyMap<string, readonly string[]>;
  /** What the team's review answers taught: terms merges said name the same thing (learned.ts). */
  learned?: CompiledLearning | undefined;
}

const isNumber = (term: string) => /\d/.test(term);

/**
 * How much of `terms` the other side covers, idf-weighted: a term counts when the other side has it, less when it
 * has a typo neighbour of it, and fully when both sides name the same synonym group the term is part of ("night"
 * in "night mode" is covered by a "dark theme"). Also returns the uncovered terms, rarest first.
 */
function cover(
  terms: readonly string[],
  own: ComparedText,
  other: ComparedText,
  credit: (term: string) => number,
  context: CompareContext,
): { share: number; missing: string[] } {
  let all = 0;
  let got = 0;
  const missing: { term: string; idf: number }[] = [];
  for (const term of terms) {
    const w = context.idf(term);
    all += w;
    let c = other.has(term) ? 1 : credit(term);
    if (c < 1) {
      for (const group of context.synonyms.groupsOf.get(term) ?? []) {
        if (own.has(group) && other.has(group)) c = 1;
      }
    }
    got += w * c;
    if (c === 0 && !term.startsWith('~')) missing.push({ term, idf: w });
  }
  missing.sort((a, b) => b.idf - a.idf || a.term.localeCompare(b.term));
  return { share: all > 0 ? got / all : 0, missing: missing.map((m) => m.term) };
}

/** Compares a request with one candidate, title against whole text both ways. */
export function compareTitles(
  query: ComparedText,
  candidate: ComparedText,
  context: CompareContext,
): TitleComparison {
  const typoTargets = new Set([...context.typoOf.values()].flat());
  const ours = cover(
    query.titleTerms,
    query,
    candidate,
    (t) =>
      Math.max(
        (context.typoOf.get(t) ?? []).some((typo) => candidate.has(typo)) ? context.typoDiscount : 0,
        context.learned?.credit(t, (x) => candidate.has(x)) ?? 0,
      ),
    context,
  );
  const theirs = cover(
    candidate.titleTerms,
    candidate,
    query,
    (t) =>
      Math.max(
        typoTargets.has(t) ? context.typoDiscount : 0,
        context.learned?.credit(t, (x) => query.has(x)) ?? 0,
      ),
    context,
  );

  const ourTitle = new Set(query.titleTerms);
  const theirTitle = new Set(candidate.titleTerms);
  const contradictions: string[] = [];
  for (const t of query.titleTerms) {
    for (const o of context.opposites.opposite.get(t) ?? []) {
      if (theirTitle.has(o) && !theirTitle.has(t) && !ourTitle.has(o)) contradictions.push(`${t}/${o}`);
    }
  }
  // Two titles that each name a number or version the other lacks ask for different things
  // ("upgrade to 3.4.0" / "upgrade to 2.8.2", "python 3.12" / "python 3.11").
  const ourNumbers = query.titleTerms.filter((t) => isNumber(t) && !theirTitle.has(t));
  const theirNumbers = candidate.titleTerms.filter((t) => isNumber(t) && !ourTitle.has(t));
  if (ourNumbers.length > 0 && theirNumbers.length > 0) {
    contradictions.push(`${ourNumbers.join(' ')}/${theirNumbers.join(' ')}`);
  }
  return {
    queryCoverage: ours.share,
    candidateCoverage: theirs.share,
    onlyInRequest: ours.missing,
    onlyInCandidate: theirs.missing,
    contradictions,
  };
}
