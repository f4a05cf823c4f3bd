import type { DedupeEngine } from '../rules/dedupe/engine.ts';
import type { CorpusDocument, LabelledQuery } from '../rules/dedupe/evaluate.ts';
import { learnedSummary } from '../rules/dedupe/learned.ts';
import { replayStream } from '../rules/dedupe/replay.ts';
import { quarterFigures, quarterTable } from '../rules/dedupe/replay-figures.ts';

/**
 * `dedupe-eval --replay`: the set as a stream of requests, answered by a simulated product owner, without
 * learning (the "before") and, unless `--no-learning`, with it (the "after"). One JSON object on stdout; the
 * quarters per document and by feature side by side on stderr.
 */
export async function runStreamReplay(
  engine: DedupeEngine,
  corpus: readonly CorpusDocument[],
  queries: readonly LabelledQuery[],
  learning: boolean,
  target: number,
): Promise<void> {
  const before = await replayStream(engine, corpus, queries, false);
  const beforeFigures = quarterFigures(before.steps, target);
  process.stderr.write(quarterTable('before (no learning)', beforeFigures));
  const replay: Record<string, unknown> = { before: beforeFigures };
  if (learning) {
    const after = await replayStream(engine, corpus, queries, true, { target });
    const afterFigures = quarterFigures(after.steps, target);
    process.stderr.write(quarterTable('after (learning from the answers)', afterFigures));
    process.stderr.write(`thresholds in use at the end: ${JSON.stringify(after.thresholds)}\n`);
    replay['after'] = {
      ...afterFigures,
      thresholds: after.thresholds,
      learned: learnedSummary(after.evidence, 10),
    };
  }
  process.stdout.write(`${JSON.stringify({ replay })}\n`);
}
