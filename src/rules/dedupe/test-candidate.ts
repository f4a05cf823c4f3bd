import type { Candidate } from './rank.ts';

/** For tests: a ranked candidate with just the numbers `decide` reads. */
export const candidateWith = (id: string, confidence: number): Candidate => ({
  id,
  similarity: confidence,
  confidence,
  evidence: {
    matchedTerms: [],
    typos: {},
    opposites: [],
    bm25: 0,
    bm25Norm: 0,
    titleTerms: 0,
    titleGrams: 0,
    queryCoverage: 0,
    candidateCoverage: 0,
    onlyInRequest: [],
    onlyInCandidate: [],
  },
});
