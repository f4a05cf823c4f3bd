import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, statSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../src/store/db.ts';
import { createRequestImportRepo } from '../src/store/request-import.repo.ts';
import { createRequestsRepo, type NewRequest } from '../src/store/requests.repo.ts';
import { MEMORY_AIMS_MB } from './memory-target.ts';
import { launchText, npmScriptArgs, npmScriptEnv } from './npm-script.ts';
import { createScratchDatabase } from './scratch.ts';

/**
 * The `csv` bench target: `npm run import` of a generated file (default 200,000 rows, quoted multi-line bodies),
 * as its own process on PGlite and on Postgres, first into an empty database, then the same file again (all
 * duplicates), with the node flags of the npm script (printed: on PGlite they decide the peak, docs/benchmark.md
 * "Memory figures"). Reports rows/s and the importer's peak RSS from its summary. Then the write path alone, in this
 * process: the API's one-row `accept` against the importer's batched insert, on the same rows.
 */

export const CSV_SETTINGS = { rows: 200_000, compareRows: 5_000, batch: 500 };
const DATABASES = ['pglite', 'postgres'] as const;

interface CsvRun {
  database: (typeof DATABASES)[number];
  run: 'first' | 'again';
  rows?: number;
  seconds?: number;
  rowsPerSecond?: number;
  peakRss?: string;
  failed?: string;
}
interface CsvWritePath {
  database: (typeof DATABASES)[number];
  acceptPerSecond: number;
  batchedPerSecond: number;
}
export interface CsvResult {
  fileBytes: number;
  rows: number;
  /** The node flags of `npm run import`, which every run here uses. */
  nodeFlags: string[];
  /** The variables `npm run import` sets before node, set here too. */
  nodeEnv: Record<string, string>;
  runs: CsvRun[];
  writePath: CsvWritePath[];
}

async function generate(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('id,title,description,email,company,created\n');
  for (let i = 0; i < rows; i++) {
    const line = `${i},"Feature ${i % 997}","Customer ${i} asked, at length:\n""please"" ${'x'.repeat(i % 400)}",user${i}@company${i % 5000}.example.com,Company ${i % 5000},2024-01-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const IMPORT_ARGS = npmScriptArgs('import');

const SUMMARY = /rows:\s+([\d,]+) in ([\d.]+) s \(([\d,]+) rows\/s, peak RSS ([\d.]+ [KMG]?B)\)/;

async function importOnce(
  cwd: string,
  file: string,
  env: Record<string, string>,
): Promise<Omit<CsvRun, 'database' | 'run'>> {
  const child = spawn(process.execPath, [...IMPORT_ARGS, file], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', ...npmScriptEnv('import'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const m = SUMMARY.exec(stdout);
  if (code !== 0 || !m) return { failed: `exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` };
  const num = (s: string | undefined) => Number((s ?? '').replaceAll(',', ''));
  return { rows: num(m[1]), seconds: num(m[2]), rowsPerSecond: num(m[3]), peakRss: m[4] ?? '' };
}

function sampleRows(n: number, tag: string): NewRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    source: 'bench-csv',
    sourceRef: `${tag}-${i}`,
    idempotencyScope: undefined,
    idempotencyKey: undefined,
    payloadHash: `${tag}-${i}`,
    title: `Feature ${i % 97}`,
    body: `Customer ${i} asked ${'x'.repeat(i % 400)}`,
    url: undefined,
    tags: [],
    submittedRequester: {
      email: `user${i}@company${i % 500}.example.com`,
      company: { name: `Company ${i % 500}` },
    },
    receivedAt: new Date('2024-01-01T10:00:00Z'),
  }));
}

/** The same rows through `accept` one at a time, then through `insertMany` in batches: rows per second of each. */
async function comparePaths(database: ReturnType<typeof openDatabase>, n: number, batch: number) {
  await database.migrate();
  const one = createRequestsRepo(database.db);
  const many = createRequestImportRepo(database.db);
  let started = performance.now();
  for (const row of sampleRows(n, 'accept')) await one.accept(row);
  const acceptPerSecond = Math.round((n * 1000) / (performance.now() - started));
  const rows = sampleRows(n, 'batched').map((r) => ({ ...r, sourceRef: r.sourceRef ?? '' }));
  started = performance.now();
  for (let i = 0; i < rows.length; i += batch) await many.insertMany(rows.slice(i, i + batch));
  const batchedPerSecond = Math.round((n * 1000) / (performance.now() - started));
  return { acceptPerSecond, batchedPerSecond };
}

export async function runCsvTarget({
  cwd,
  scratchDir,
  postgresAdminUrl,
  runId,
  rows = CSV_SETTINGS.rows,
  signal,
  progress,
}: {
  cwd: string;
  scratchDir: string;
  postgresAdminUrl: string;
  runId: string;
  rows?: number;
  signal: AbortSignal;
  progress: (message: string) => void;
}): Promise<CsvResult> {
  const file = path.join(scratchDir, 'import.csv');
  progress(`csv: generating ${rows.toLocaleString('en-US')} rows`);
  await generate(file, rows);
  const result: CsvResult = {
    fileBytes: statSync(file).size,
    rows,
    nodeFlags: IMPORT_ARGS.filter((a) => a.startsWith('--')),
    nodeEnv: npmScriptEnv('import'),
    runs: [],
    writePath: [],
  };
  for (const name of DATABASES) {
    if (signal.aborted) break;
    const scratch =
      name === 'postgres'
        ? await createScratchDatabase(postgresAdminUrl, `ss_bench_csv_${runId}`)
        : undefined;
    const env = {
      DATA_DIR: path.join(scratchDir, `csv-${name}`),
      ...(scratch ? { DATABASE_URL: scratch.url } : {}),
    };
    try {
      for (const run of ['first', 'again'] as const) {
        if (signal.aborted) break;
        progress(`csv: ${name}, ${run === 'first' ? 'empty database' : 'same file again'}`);
        result.runs.push({ database: name, run, ...(await importOnce(cwd, file, env)) });
      }
      if (signal.aborted) break;
      progress(`csv: ${name}, accept vs batched insert of ${CSV_SETTINGS.compareRows} rows`);
      const database = openDatabase(
        scratch
          ? { kind: 'postgres', url: scratch.url, poolSize: 2 }
          : { kind: 'pglite', dataDir: path.join(env.DATA_DIR, 'pglite') },
      );
      try {
        result.writePath.push({
          database: name,
          ...(await comparePaths(database, CSV_SETTINGS.compareRows, CSV_SETTINGS.batch)),
        });
      } finally {
        await database.close();
      }
    } finally {
      await scratch?.drop();
    }
  }
  return result;
}

export function formatCsvSection(r: CsvResult): string {
  const mb = (r.fileBytes / 2 ** 20).toFixed(1);
  const lines = [
    `CSV import: ${r.rows.toLocaleString('en-US')} rows (${mb} MB, quoted multi-line bodies), \`npm run import\` as its own process (${launchText(r.nodeEnv, r.nodeFlags)})`,
    `  database  run     rows/s   seconds  peak RSS (aim <= ${MEMORY_AIMS_MB.import} MB)`,
    ...r.runs.map((x) =>
      x.failed
        ? `  ${x.database.padEnd(9)} ${x.run.padEnd(6)}  failed: ${x.failed}`
        : `  ${x.database.padEnd(9)} ${x.run.padEnd(6)} ${String(x.rowsPerSecond?.toLocaleString('en-US')).padStart(7)}  ${String(x.seconds).padStart(8)}  ${x.peakRss}`,
    ),
    `  write path alone (${CSV_SETTINGS.compareRows.toLocaleString('en-US')} rows): accept() one by one vs batched insertMany (${CSV_SETTINGS.batch} a statement), rows/s`,
    ...r.writePath.map(
      (w) =>
        `  ${w.database.padEnd(9)} accept ${w.acceptPerSecond}  batched ${w.batchedPerSecond}  (${(w.batchedPerSecond / Math.max(1, w.acceptPerSecond)).toFixed(1)}x)`,
    ),
    '  peak RSS includes loading the service modules and, on PGlite, the embedded database',
  ];
  return lines.join('\n');
}
