import {
  type CalibrationOptions,
  calibrateThresholds,
  DEFAULT_CALIBRATION_OPTIONS,
  type ThresholdsInUse,
  thresholdsOf,
} from './calibrate.ts';
import type { DecideContext, DedupeEngine } from './engine.ts';
import { type CorpusDocument, comparableText, duplicateGroups, type LabelledQuery } from './evaluate.ts';
import {
  type CompiledLearning,
  compileLearning,
  type DedupeAnswer,
  EMPTY_EVIDENCE,
  type LearnedEvidence,
  withAnswer,
} from './learned.ts';
import { InMemoryDedupeIndex } from './memory-index.ts';
import type { Candidate } from './rank.ts';

/** What happened to one request of the stream. */
export interface StreamStep {
  /** A feature of the request's need existed when it arrived: it is a duplicate, and has a right answer. */
  duplicate: boolean;
  action: 'merge' | 'review' | 'new';
  /** The decision's merge confidence (0 without a candidate): what an auto-merge threshold is compared with. */
  confidence: number;
  /** The decision's candidate feature is the request's need (its first request's), or holds the same text. */
  rightFeature: boolean;
  /** The candidate's best document is a labelled partner of the request (either way), or the same text. */
  rightDocument: boolean;
}

export interface StreamReplay {
  steps: StreamStep[];
  /** The thresholds in use after the last request, and why (the prior throughout when not learning). */
  thresholds: ThresholdsInUse;
  evidence: LearnedEvidence;
}

/** Documents ranked per request, as triage reads (CANDIDATE_DOCUMENTS in application/triage.ts). */
const CANDIDATE_DOCUMENTS = 30;

/** The world as the service would hold it: which feature each request is in, and each feature's need. */
class SimulatedFeatures {
  private readonly featureOfDocument = new Map<string, string>();
  private readonly needOfFeature = new Map<string, string>();
  private readonly needsWithFeature = new Set<string>();

  private readonly need: (id: string) => string;

  constructor(need: (id: string) => string) {
    this.need = need;
  }

  found(documentId: string): void {
    this.featureOfDocument.set(documentId, documentId);
    this.needOfFeature.set(documentId, this.need(documentId));
    this.needsWithFeature.add(this.need(documentId));
  }

  join(documentId: string, featureId: string): void {
    this.featureOfDocument.set(documentId, featureId);
  }

  featureOf = (documentId: string) => this.featureOfDocument.get(documentId);
  needOf = (featureId: string) => this.needOfFeature.get(featureId);
  hasNeed = (need: string) => this.needsWithFeature.has(need);
}

/** One candidate per feature, at its best document (as triage passes them to `decide`). */
function featureCandidates(
  ranked: readonly Candidate[],
  featureOf: (id: string) => string | undefined,
): { candidates: Candidate[]; documentOf: Map<string, string> } {
  const documentOf = new Map<string, string>();
  const candidates: Candidate[] = [];
  for (const c of ranked) {
    const featureId = featureOf(c.id);
    if (!featureId || documentOf.has(featureId)) continue;
    documentOf.set(featureId, c.id);
    candidates.push({ ...c, id: featureId });
  }
  return { candidates, documentOf };
}

/** What the team has taught so far, compiled, and the thresholds it supports. */
interface Learning {
  evidence: LearnedEvidence;
  compiled: CompiledLearning;
  thresholds: ThresholdsInUse;
}

function learningFrom(
  evidence: LearnedEvidence,
  engine: DedupeEngine,
  calibration: CalibrationOptions,
): Learning {
  return {
    evidence,
    compiled: compileLearning(evidence),
    thresholds: calibrateThresholds(evidence, engine.thresholds, calibration),
  };
}

/**
 * Replays a labelled set as a stream: requests arrive in the corpus order, triage decides each labelled one against the
 * features so far, and when it asks, a simulated product owner answers from the labels (merge when the candidate
 * feature is the request's need, dismiss otherwise: the request then starts a feature of its own). With `learn`,
 * every answer is added to the evidence and the next request is ranked and decided with it; without, the engine
 * runs as configured (the "before"). Pure apart from the in-memory index it builds.
 */
export async function replayStream(
  engine: DedupeEngine,
  corpus: readonly CorpusDocument[],
  queries: readonly LabelledQuery[],
  learn: boolean,
  calibration: CalibrationOptions = DEFAULT_CALIBRATION_OPTIONS,
): Promise<StreamReplay> {
  const need = duplicateGroups(queries);
  const partners = labelledPartners(queries);
  const textOf = new Map(corpus.map((d) => [d.id, comparableText(d)]));
  const byId = new Map(corpus.map((d) => [d.id, d]));
  const features = new SimulatedFeatures(need);
  const index = new InMemoryDedupeIndex();
  let learning = learningFrom(EMPTY_EVIDENCE, engine, calibration);
  const steps: StreamStep[] = [];
  const labelled = new Set(queries.flatMap((q) => [q.queryId, q.targetId]));
  for (const doc of corpus) {
    const query = engine.analyse(doc);
    // A document no label mentions has no known need: a person would know whether it duplicates something, the
    // labels do not (the sets leave most of them unlabelled, some are duplicates). It is an existing feature,
    // competing with the others, but it is neither judged nor answered for.
    if (!labelled.has(doc.id)) {
      features.found(doc.id);
      index.add(doc.id, query);
      continue;
    }
    const context: DecideContext = learn
      ? { learned: learning.compiled, thresholds: thresholdsOf(learning.thresholds) }
      : {};
    const ranked = await engine.rank(query, index, CANDIDATE_DOCUMENTS, context.learned);
    const { candidates, documentOf } = featureCandidates(ranked, features.featureOf);
    const decision = engine.decide(candidates, context);
    const featureId = decision.candidate?.id;
    const documentId = featureId === undefined ? undefined : documentOf.get(featureId);
    const sameText = documentId !== undefined && textOf.get(documentId) === textOf.get(doc.id);
    const step: StreamStep = {
      duplicate: features.hasNeed(need(doc.id)),
      action: decision.action,
      confidence: decision.confidence,
      rightFeature: featureId !== undefined && (features.needOf(featureId) === need(doc.id) || sameText),
      rightDocument: documentId !== undefined && (partners(doc.id).has(documentId) || sameText),
    };
    steps.push(step);
    const joins = decision.action === 'merge' || (decision.action === 'review' && step.rightFeature);
    if (joins && featureId) features.join(doc.id, featureId);
    else features.found(doc.id);
    const candidateDocument = documentId === undefined ? undefined : byId.get(documentId);
    if (learn && decision.action === 'review' && featureId && candidateDocument) {
      const answer: DedupeAnswer = {
        a: doc,
        b: candidateDocument,
        featureIds: [doc.id, featureId],
        answer: step.rightFeature ? 'merge' : 'dismiss',
        at: new Date(0).toISOString(),
        confidence: decision.confidence,
        own: decision.candidate?.confidence ?? 0,
      };
      learning = learningFrom(withAnswer(learning.evidence, answer, engine.analyse), engine, calibration);
    }
    index.add(doc.id, query);
  }
  return { steps, thresholds: learning.thresholds, evidence: learning.evidence };
}

/** Each document's labelled partners, both ways. */
function labelledPartners(queries: readonly LabelledQuery[]): (id: string) => ReadonlySet<string> {
  const partners = new Map<string, Set<string>>();
  const link = (x: string, y: string) => partners.set(x, (partners.get(x) ?? new Set()).add(y));
  for (const q of queries) {
    link(q.queryId, q.targetId);
    link(q.targetId, q.queryId);
  }
  const none = new Set<string>();
  return (id) => partners.get(id) ?? none;
}
