import type { Application } from '../../application/application.ts';
import {
  REQUESTS_SHOWN,
  type RequestSample,
  type RunnerUp,
  requestSamples,
  runnerUpsOf,
} from '../../store/console-review.repo.ts';
import type { Db } from '../../store/db.ts';
import { formatTime } from './format-time.ts';
import { highlight, markedTerms, type Segment } from './review-highlight.ts';
import { consoleStatusWords } from './status-words.ts';

/** What the review page shows of each possible duplicate and its candidate, ready for the template. */

/** Items on the page at once: the queue is answered from the top, and the rest follow as these go. */
export const REVIEW_PAGE_SIZE = 25;
/** A request's text is cut here on the page (the feature's page shows it whole). */
const BODY_SHOWN = 280;

type QueueItem = Awaited<ReturnType<Application['review']['list']>>['items'][number];

interface ShownRequest {
  title: Segment[];
  body: Segment[];
}

export interface ReviewSide {
  id: string;
  title: Segment[];
  requestCount: number;
  requests: ShownRequest[];
  /** Requests not shown ("and N more"). */
  more: number;
  status?: string;
  /** The status in the console's words. */
  statusWords?: string;
}

export interface ReviewItemView {
  id: string;
  feature: ReviewSide;
  candidate: ReviewSide & { mergedIntoId: string | null };
  /** The confidence as a whole percentage. */
  confidence: number;
  matchedTerms: string[];
  /** The marked words as the texts spell them; the terms above when none is on the page. */
  matchedWords: string[];
  typos: Array<[string, string]>;
  opposites: string[];
  /** The words were erased with their requester: the scores stay, the words do not. */
  wordsErased: boolean;
  held: boolean;
  heldUntil: string | null;
  runnerUp: (Omit<RunnerUp, 'confidence'> & { confidence: number | null }) | null;
}

const percent = (x: number) => Math.round(x * 100);

const cut = (text: string) => (text.length > BODY_SHOWN ? `${text.slice(0, BODY_SHOWN).trimEnd()}…` : text);

function side(
  id: string,
  title: string,
  requestCount: number,
  samples: readonly RequestSample[],
  terms: ReadonlySet<string>,
): ReviewSide {
  return {
    id,
    title: highlight(title, terms),
    requestCount,
    requests: samples.map((r) => ({ title: highlight(r.title, terms), body: highlight(cut(r.body), terms) })),
    more: Math.max(0, requestCount - Math.min(samples.length, REQUESTS_SHOWN)),
  };
}

function evidenceLists(evidence: Record<string, unknown>) {
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const typos = evidence['typos'];
  return {
    matchedTerms: list(evidence['matchedTerms']),
    typos:
      typos && typeof typos === 'object' && !Array.isArray(typos)
        ? Object.entries(typos).flatMap(
            ([a, b]): Array<[string, string]> => (typeof b === 'string' ? [[a, b]] : []),
          )
        : [],
    opposites: list(evidence['opposites']),
    wordsErased: evidence['erased'] === true,
  };
}

/** The words marked on the page, as written (lowercased, each once): what a person reads, not the stems. */
function markedWords(sides: readonly ReviewSide[]): string[] {
  const words = new Set<string>();
  for (const s of sides) {
    for (const segments of [s.title, ...s.requests.flatMap((r) => [r.title, r.body])]) {
      for (const seg of segments) if (seg.mark) words.add(seg.text.toLowerCase());
    }
  }
  return [...words];
}

/** The page's items: each queue item with its requests, evidence and runner-up. */
export async function reviewItems(db: Db, items: readonly QueueItem[]): Promise<ReviewItemView[]> {
  const ids = items.flatMap((i) => [i.feature.id, i.possibleDuplicateOf.id]);
  const [samples, runnerUps] = await Promise.all([
    requestSamples(db, ids),
    runnerUpsOf(
      db,
      items.map((i) => i.feature.id),
    ),
  ]);
  return items.map((item) => {
    const evidence = item.evidence as Record<string, unknown>;
    const terms = markedTerms(evidence);
    const c = item.possibleDuplicateOf;
    const runnerUp = runnerUps.get(item.feature.id);
    const feature = side(
      item.feature.id,
      item.feature.title,
      item.feature.requestCount,
      samples.get(item.feature.id) ?? [],
      terms,
    );
    const candidate = side(c.id, c.title, c.requestCount, samples.get(c.id) ?? [], terms);
    const lists = evidenceLists(evidence);
    return {
      id: item.feature.id,
      feature,
      candidate: {
        ...candidate,
        status: c.status,
        statusWords: consoleStatusWords(c.status),
        mergedIntoId: c.mergedIntoId,
      },
      confidence: percent(item.confidence),
      ...lists,
      matchedWords: markedWords([feature, candidate]),
      held: item.heldFromTracker,
      heldUntil: item.heldUntil ? formatTime(item.heldUntil) : null,
      runnerUp: runnerUp
        ? { ...runnerUp, confidence: runnerUp.confidence === null ? null : percent(runnerUp.confidence) }
        : null,
    };
  });
}

/**
 * Where focus lands after answering `answeredId`: the item after it in the queue (or, answering the last, the one
 * before it); undefined when the queue will be empty.
 */
export function nextItemId(
  queue: readonly { feature: { id: string } }[],
  answeredId: string,
): string | undefined {
  const at = queue.findIndex((i) => i.feature.id === answeredId);
  if (at < 0) return queue[0]?.feature.id;
  return (queue[at + 1] ?? queue[at - 1])?.feature.id;
}
