import type { StreamStep } from './replay.ts';

/** A share counted per document (the labelled original itself) and by feature (the product's figure). */
interface Both {
  perDocument: number;
  byFeature: number;
}

/** The figures of one stretch of the stream. */
export interface StreamFigures {
  requests: number;
  duplicates: number;
  /** Of the duplicates, the share merged into their need without a question. */
  autoMerged: Both;
  /** Of the auto-merges (of any request), the share into the request's need; 1 when nothing was merged. */
  precision: Both;
  /** Of the duplicates, the share a person was asked about. */
  asked: number;
  /** Questions asked about any request (duplicates and not). */
  questions: number;
  /** Of the duplicates asked about, the share whose candidate shown was right; null when none was asked. */
  firstCandidateRight: { perDocument: number | null; byFeature: number | null };
  /** Auto-merges into another need. */
  wrongMerges: number;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const share = (x: number, of: number) => (of ? round(x / of) : 0);

export function streamFigures(steps: readonly StreamStep[]): StreamFigures {
  const duplicates = steps.filter((s) => s.duplicate);
  const merged = steps.filter((s) => s.action === 'merge');
  const asked = duplicates.filter((s) => s.action === 'review');
  const count = (xs: readonly StreamStep[], f: (s: StreamStep) => boolean) => xs.filter(f).length;
  const doc = (s: StreamStep) => s.rightDocument;
  const feature = (s: StreamStep) => s.rightFeature;
  const mergedDuplicates = merged.filter((s) => s.duplicate);
  return {
    requests: steps.length,
    duplicates: duplicates.length,
    autoMerged: {
      perDocument: share(count(mergedDuplicates, doc), duplicates.length),
      byFeature: share(count(mergedDuplicates, feature), duplicates.length),
    },
    // No merge at all is no wrong merge.
    precision: {
      perDocument: merged.length ? share(count(merged, doc), merged.length) : 1,
      byFeature: merged.length ? share(count(merged, feature), merged.length) : 1,
    },
    asked: share(asked.length, duplicates.length),
    questions: count(steps, (s) => s.action === 'review'),
    firstCandidateRight: {
      perDocument: asked.length ? share(count(asked, doc), asked.length) : null,
      byFeature: asked.length ? share(count(asked, feature), asked.length) : null,
    },
    wrongMerges: count(merged, (s) => !s.rightFeature),
  };
}

/** The figures per quarter of the stream (by arrival), and of the whole stream. */
export function quarterFigures(steps: readonly StreamStep[]): {
  quarters: StreamFigures[];
  all: StreamFigures;
} {
  const quarters = [0, 1, 2, 3].map((q) =>
    streamFigures(steps.slice(Math.floor((q * steps.length) / 4), Math.floor(((q + 1) * steps.length) / 4))),
  );
  return { quarters, all: streamFigures(steps) };
}

/** The quarters side by side, per document / by feature, for a person reading the terminal. */
export function quarterTable(
  title: string,
  figures: { quarters: StreamFigures[]; all: StreamFigures },
): string {
  const pair = (b: { perDocument: number | null; byFeature: number | null }) =>
    `${b.perDocument === null ? '  -  ' : b.perDocument.toFixed(3)} / ${b.byFeature === null ? '  -  ' : b.byFeature.toFixed(3)}`;
  const head = `${title}\n${'stretch'.padEnd(9)}${'dups'.padStart(6)}  ${'auto-merged doc/feat'.padEnd(21)}${'precision doc/feat'.padEnd(20)}${'asked'.padStart(6)}  ${'1st candidate right doc/feat'.padEnd(29)}wrong merges\n`;
  const rows = [...figures.quarters, figures.all].map((f, i) => {
    const name = i < 4 ? `Q${i + 1}` : 'all';
    return `${name.padEnd(9)}${String(f.duplicates).padStart(6)}  ${pair(f.autoMerged).padEnd(21)}${pair(f.precision).padEnd(20)}${f.asked.toFixed(3).padStart(6)}  ${pair(f.firstCandidateRight).padEnd(29)}${f.wrongMerges}\n`;
  });
  return head + rows.join('');
}
