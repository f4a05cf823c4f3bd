import type { DedupeEngine } from './engine.ts';
import {
  type CorpusDocument,
  comparableText,
  duplicateGroups,
  type LabelledQuery,
  outcomeOf,
  type QueryOutcome,
} from './evaluate.ts';
import { InMemoryDedupeIndex } from './memory-index.ts';

/** A small deterministic generator (mulberry32): the same seed draws the same pools on every run. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct positions of 0..length−1, none of them in `skip`, drawn with `random`. */
function draw(length: number, count: number, skip: ReadonlySet<number>, random: () => number): number[] {
  const free = [...Array(length).keys()].filter((i) => !skip.has(i));
  const n = Math.min(count, free.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (free.length - i));
    [free[i], free[j]] = [free[j] as number, free[i] as number];
  }
  return free.slice(0, n);
}

/**
 * Replays each labelled duplicate against a small index, as in an installation that holds `size` requests: its
 * original and `size − 1` other documents of the corpus drawn at random (seeded, so runs repeat). The engine's
 * behaviour with a handful of documents is what a new installation sees first, and what the whole-pool figures
 * of a large set never show.
 */
export async function replayPools(
  engine: DedupeEngine,
  corpus: readonly CorpusDocument[],
  queries: readonly LabelledQuery[],
  size: number,
  seed = 1,
): Promise<{ outcomes: QueryOutcome[]; excluded: number }> {
  const position = new Map(corpus.map((d, i) => [d.id, i]));
  const analysed = corpus.map((d) => engine.analyse(d));
  const textOf = (id: string) => {
    const d = corpus[position.get(id) ?? -1];
    return d && comparableText(d);
  };
  const need = duplicateGroups(queries);
  const random = generator(seed);
  const outcomes: QueryOutcome[] = [];
  let excluded = 0;
  for (const q of queries) {
    const at = position.get(q.queryId);
    const targetAt = position.get(q.targetId);
    const query = at === undefined ? undefined : analysed[at];
    const target = targetAt === undefined ? undefined : analysed[targetAt];
    if (at === undefined || targetAt === undefined || !query || !target || at === targetAt) {
      excluded++;
      continue;
    }
    const index = new InMemoryDedupeIndex();
    index.add(q.targetId, target);
    for (const i of draw(corpus.length, size - 1, new Set([at, targetAt]), random)) {
      const doc = corpus[i];
      const text = analysed[i];
      if (doc && text) index.add(doc.id, text);
    }
    outcomes.push(await outcomeOf(engine, { ...q, query, target }, index, { need, textOf }));
  }
  return { outcomes, excluded };
}
