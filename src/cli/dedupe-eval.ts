import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createDedupeEngine } from '../rules/dedupe/engine.ts';
import { type CorpusDocument, type LabelledQuery, replay, summarise } from '../rules/dedupe/evaluate.ts';
import { replayPools } from '../rules/dedupe/evaluate-pools.ts';
import { runStreamReplay } from './dedupe-replay.ts';

/**
 * `dedupe-eval --corpus C.jsonl --queries Q.jsonl [--past-only | --pool N | --replay [--no-learning] [--target 0..1]]
 * [--auto-merge T]`: prints one JSON object on stdout, and the same figures per document and by feature side by
 * side on stderr. `--replay` runs the set as a stream answered by a simulated product owner (dedupe-replay.ts).
 */

const USAGE =
  'usage: dedupe-eval --corpus C.jsonl --queries Q.jsonl [--past-only | --pool N | --replay [--no-learning] [--target 0..1]] [--auto-merge 0..1]';

/** A problem with the command line or its files: one line on stderr and this exit code (sysexits.h). */
class EvalInputError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

const EX_USAGE = 64;
const EX_DATAERR = 65;
const EX_NOINPUT = 66;

function readJsonl(path: string, what: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new EvalInputError(`--${what}: cannot read ${path} (${code})`, EX_NOINPUT);
  }
  const rows: Record<string, unknown>[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new EvalInputError(`--${what}: ${path} line ${i + 1} is not JSON`, EX_DATAERR);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new EvalInputError(`--${what}: ${path} line ${i + 1} is not a JSON object`, EX_DATAERR);
    }
    rows.push(row as Record<string, unknown>);
  }
  if (rows.length === 0) throw new EvalInputError(`--${what}: ${path} has no lines`, EX_DATAERR);
  return rows;
}

function field(row: Record<string, unknown>, name: string, where: string, optional = false): string {
  const value = row[name];
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (optional && (value === undefined || value === null)) return '';
  throw new EvalInputError(`${where}: "${name}" is missing or not a string`, EX_DATAERR);
}

function parseEvalArgs(argv: string[]): {
  corpus: string;
  queries: string;
  pastOnly: boolean;
  pool: number | undefined;
  autoMerge: number | undefined;
  replay: boolean;
  learning: boolean;
  target: number;
} {
  let values: {
    corpus?: string;
    queries?: string;
    'past-only'?: boolean;
    pool?: string;
    'auto-merge'?: string;
    replay?: boolean;
    'no-learning'?: boolean;
    target?: string;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        corpus: { type: 'string' },
        queries: { type: 'string' },
        'past-only': { type: 'boolean' },
        pool: { type: 'string' },
        'auto-merge': { type: 'string' },
        replay: { type: 'boolean' },
        'no-learning': { type: 'boolean' },
        target: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new EvalInputError(`${(err as Error).message.split('\n')[0]}; ${USAGE}`, EX_USAGE);
  }
  if (!values.corpus) throw new EvalInputError(`--corpus is required; ${USAGE}`, EX_USAGE);
  if (!values.queries) throw new EvalInputError(`--queries is required; ${USAGE}`, EX_USAGE);
  let autoMerge: number | undefined;
  if (values['auto-merge'] !== undefined) {
    autoMerge = Number(values['auto-merge']);
    if (!Number.isFinite(autoMerge) || autoMerge < 0 || autoMerge > 1) {
      throw new EvalInputError(
        `--auto-merge must be a number from 0 to 1, got "${values['auto-merge']}"`,
        EX_USAGE,
      );
    }
  }
  let pool: number | undefined;
  if (values.pool !== undefined) {
    pool = Number(values.pool);
    if (!Number.isInteger(pool) || pool < 1) {
      throw new EvalInputError(
        `--pool must be a whole number of documents, 1 or more, got "${values.pool}"`,
        EX_USAGE,
      );
    }
    if (values['past-only'])
      throw new EvalInputError(`--pool and --past-only exclude each other; ${USAGE}`, EX_USAGE);
  }
  const replay = values.replay ?? false;
  if (replay && (pool !== undefined || values['past-only']))
    throw new EvalInputError(`--replay excludes --pool and --past-only; ${USAGE}`, EX_USAGE);
  if (values['no-learning'] && !replay)
    throw new EvalInputError(`--no-learning applies to --replay only; ${USAGE}`, EX_USAGE);
  const target = values.target === undefined ? 0.95 : Number(values.target);
  if (!Number.isFinite(target) || target <= 0 || target >= 1 || (values.target !== undefined && !replay)) {
    throw new EvalInputError(
      `--target must be a number above 0 and below 1, with --replay, got "${values.target}"`,
      EX_USAGE,
    );
  }
  return {
    corpus: values.corpus,
    queries: values.queries,
    pastOnly: values['past-only'] ?? false,
    pool,
    autoMerge,
    replay,
    learning: !values['no-learning'],
    target,
  };
}

/** The recall figures per document and by feature side by side, for a person reading the terminal (stderr). */
function figuresTable(result: ReturnType<typeof summarise>): string {
  const f = result.byFeature;
  const rows: [string, number, number][] = [
    ['R@1', result['R@1'], f['R@1']],
    ['R@5', result['R@5'], f['R@5']],
    ['R@10', result['R@10'], f['R@10']],
    ['auto-merge recall', result.recall, f.recall],
    ['review recall (merged or for review)', result.reviewRecall, f.reviewRecall],
    ['auto-merge precision', result.precision, result.precisionSameNeed],
  ];
  const cell = (x: number) => x.toFixed(3).padStart(12);
  const head = `${''.padEnd(38)}${'per document'.padStart(12)}  by feature (the product's figure)\n`;
  return (
    head + rows.map(([name, doc, feature]) => `${name.padEnd(38)}${cell(doc)}  ${cell(feature)}\n`).join('')
  );
}

export async function runDedupeEval(argv: string[]): Promise<void> {
  try {
    const args = parseEvalArgs(argv);
    const corpus: CorpusDocument[] = readJsonl(args.corpus, 'corpus').map((row, i) => {
      const where = `--corpus: ${args.corpus} line ${i + 1}`;
      return {
        id: field(row, 'id', where),
        title: field(row, 'title', where),
        body: field(row, 'body', where, true),
      };
    });
    const queries: LabelledQuery[] = readJsonl(args.queries, 'queries').map((row, i) => {
      const where = `--queries: ${args.queries} line ${i + 1}`;
      return { queryId: field(row, 'query_id', where), targetId: field(row, 'target_id', where) };
    });
    const engine = createDedupeEngine(
      args.autoMerge === undefined ? {} : { thresholds: { autoMerge: args.autoMerge } },
    );
    const started = performance.now();
    if (args.replay) {
      await runStreamReplay(engine, corpus, queries, args.learning, args.target);
      process.stderr.write(
        `dedupe-eval: ${corpus.length} documents, ${queries.length} queries in ${Math.round(performance.now() - started)} ms\n`,
      );
      return;
    }
    const { outcomes, excluded } =
      args.pool === undefined
        ? await replay(engine, corpus, queries, args.pastOnly)
        : await replayPools(engine, corpus, queries, args.pool);
    const result = summarise(outcomes, excluded, {
      autoMerge: args.autoMerge ?? engine.thresholds.autoMerge,
      review: engine.thresholds.review,
    });
    process.stdout.write(
      `${JSON.stringify(args.pool === undefined ? result : { pool: args.pool, ...result })}\n`,
    );
    process.stderr.write(figuresTable(result));
    process.stderr.write(
      `dedupe-eval: ${corpus.length} documents, ${queries.length} queries in ${Math.round(performance.now() - started)} ms\n`,
    );
  } catch (err) {
    if (!(err instanceof EvalInputError)) throw err;
    process.stderr.write(`dedupe-eval: ${err.message}\n`);
    process.exitCode = err.exitCode;
  }
}
