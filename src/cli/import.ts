import { once } from 'node:events';
import { createReadStream, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from '../config/load.ts';
import { ApiSinkError, createApiSink, reachableService } from '../connectors/csv/api-sink.ts';
import {
  CSV_FIELDS,
  type CsvField,
  PRESET_NAMES,
  type PresetName,
  parseMapArgs,
} from '../connectors/csv/columns.ts';
import { CsvImportError, importCsv, type Rejection, type RequestSink } from '../connectors/csv/importer.ts';
import { progressLine, summaryLines } from '../connectors/csv/report.ts';
import { readDevApiKey } from '../dev-api-key.ts';
import { type Database, openDatabase } from '../store/db.ts';
import { createRequestImportRepo } from '../store/request-import.repo.ts';

/**
 * `npm run import -- FILE.csv [--source NAME] [--map COLUMN=FIELD ...] [--preset canny|uservoice|productboard]
 *  [--dry-run] [--rejects OUT.csv]`: requests from a CSV file into the request table, where the service's
 * redrive finds them untriaged and queues their triage.
 *
 * Exit codes: 0 every row imported (or already there); 3 finished, but some rows were rejected; 64 bad command
 * line; 65 the file cannot be imported (no header, a required column missing; nothing written); 66 the file
 * cannot be read; 69 the database is not available (the embedded one is open in a service we cannot post to), or
 * the service refused a row sent through its API.
 *
 * With the service running on PGlite the rows go through its API instead (connectors/csv/api-sink.ts).
 */

const USAGE =
  'usage: import FILE.csv [--source NAME] [--map COLUMN=FIELD ...] [--preset canny|uservoice|productboard] [--dry-run] [--rejects OUT.csv]';
const SOURCE = /^[a-z0-9][a-z0-9_-]{0,49}$/;
/** Rejections shown on screen; all of them go to the rejects file. */
const SHOWN = 20;

/** 3, not 1, for rejected rows: 1 stays "crashed" (main.ts), so a script can tell the two apart. */
export const EXIT = { ok: 0, rejected: 3, usage: 64, dataErr: 65, noInput: 66, unavailable: 69 } as const;

interface Args {
  file: string;
  source: string;
  map: Array<[string, CsvField]>;
  preset: PresetName | undefined;
  dryRun: boolean;
  rejects: string | undefined;
}

function parseImportArgs(argv: string[]): Args | { problems: string[] } | { help: true } {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return { problems: [(err as Error).message.split('\n')[0] ?? 'bad arguments'] };
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  const problems: string[] = [];
  if (positionals.length !== 1)
    problems.push(positionals.length === 0 ? 'FILE.csv is required' : 'one file at a time');
  const source = values.source ?? 'csv';
  if (!SOURCE.test(source)) problems.push(`--source "${source}": 1-50 lowercase letters, digits, "-" or "_"`);
  const preset = values.preset?.toLowerCase();
  if (preset !== undefined && !(PRESET_NAMES as readonly string[]).includes(preset))
    problems.push(`--preset "${values.preset}": one of ${PRESET_NAMES.join(', ')}`);
  const map = parseMapArgs(values.map ?? []);
  problems.push(...map.problems);
  if (problems.length > 0) return { problems };
  return {
    file: positionals[0] ?? '',
    source,
    map: map.map,
    preset: preset as PresetName | undefined,
    dryRun: values['dry-run'] ?? false,
    rejects: values.rejects,
  };
}

const OPTIONS = {
  source: { type: 'string' },
  map: { type: 'string', multiple: true },
  preset: { type: 'string' },
  'dry-run': { type: 'boolean' },
  rejects: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `line,reason` rows, quoted as CSV. */
function rejectsWriter(path: string) {
  let out: WriteStream | undefined;
  return {
    async write(r: Rejection) {
      if (!out) {
        out = createWriteStream(path);
        out.write('line,reason\n');
      }
      if (!out.write(`${r.line},"${r.reason.replaceAll('"', '""')}"\n`)) await once(out, 'drain');
    },
    async close() {
      if (!out) return;
      out.end();
      await once(out, 'finish');
    },
  };
}

function databaseLabel(config: Config): string {
  return config.database.kind === 'pglite'
    ? `embedded PGlite in ${config.database.dataDir}`
    : `Postgres at ${new URL(config.database.url).host}`;
}

type ImportIo = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream & { isTTY?: boolean } };

export async function runImport(argv: string[], config: Config, io: ImportIo = process): Promise<number> {
  const say = (line: string) => io.stderr.write(`${line}\n`);
  const args = parseImportArgs(argv);
  if ('help' in args) {
    io.stdout.write(`${USAGE}\n  fields for --map: ${CSV_FIELDS.join(', ')} (docs/csv-import.md)\n`);
    return EXIT.ok;
  }
  if ('problems' in args) {
    for (const p of args.problems) say(`import: ${p}`);
    say(USAGE);
    return EXIT.usage;
  }
  let totalBytes: number;
  try {
    const stat = statSync(args.file);
    if (!stat.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    totalBytes = stat.size;
  } catch (err) {
    say(`import: cannot read ${args.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return EXIT.noInput;
  }
  const destination = args.dryRun ? { target: 'nowhere' } : await openDestination(config, say);
  if (typeof destination === 'number') return destination;
  try {
    return await importFile(args, destination, totalBytes, io, say);
  } finally {
    await destination.database?.close();
  }
}

/** Where the rows go: the database, or the running service's API when it holds the embedded database. */
interface Destination {
  database?: Database;
  sink?: RequestSink;
  target: string;
}

/** Opens the destination, or says why not and returns the exit code. */
async function openDestination(config: Config, say: (line: string) => void): Promise<Destination | number> {
  let database: Database;
  try {
    database = openDatabase(
      config.database.kind === 'postgres'
        ? { kind: 'postgres', url: config.database.url, poolSize: 2 }
        : { kind: 'pglite', dataDir: config.database.dataDir },
    );
  } catch (err) {
    return serviceDestination(config, err, say);
  }
  const target = databaseLabel(config);
  try {
    await database.migrate();
  } catch (err) {
    // The first statement is where an unreachable Postgres shows; nothing was read or written yet.
    await database.close().catch(() => {});
    say(`import: the database is not available (${target}): ${(err as Error).message.split('\n')[0]}`);
    return EXIT.unavailable;
  }
  return { database, sink: createRequestImportRepo(database.db), target };
}

/**
 * PGlite serves one process (store/pglite-lock.ts): the running service holds it. Its API is the way in, when it
 * answers here with a key we know (API_KEYS, or the development key it keeps in DATA_DIR).
 */
async function serviceDestination(
  config: Config,
  err: unknown,
  say: (line: string) => void,
): Promise<Destination | number> {
  const apiKey = config.apiKeys[0] ?? readDevApiKey(config.dataDir);
  const baseUrl = apiKey ? await reachableService(config.port) : undefined;
  if (!apiKey || !baseUrl) {
    say(`import: ${(err as Error).message}`);
    say(
      `import: the embedded database (PGlite) can be open in one process only, and no service answered on port ${config.port} with a known API key. Stop the service, run the import, then start the service again: it triages the imported requests when it starts. Or run the service and the import on Postgres (DATABASE_URL).`,
    );
    return EXIT.unavailable;
  }
  say(
    `import: the running service holds the embedded database; sending the rows through its API at ${baseUrl}`,
  );
  return { sink: createApiSink({ baseUrl, apiKey }), target: `the service at ${baseUrl} (its API)` };
}

/** Draws the progress: a redrawn bar on a terminal, a line every 5 seconds in a log file. */
function progressDrawer(io: ImportIo, totalBytes: number, dryRun: boolean) {
  const started = performance.now();
  const bar = io.stderr.isTTY === true;
  let lastDraw = 0;
  let drawn = false;
  return {
    started,
    draw(p: Parameters<typeof progressLine>[0], force = false) {
      const t = performance.now();
      // A terminal redraws often; a log file gets a line every 5 seconds.
      if (!force && t - lastDraw < (bar ? 200 : 5_000)) return;
      lastDraw = t;
      const line = progressLine(p, { totalBytes, elapsedMs: t - started, bar, dryRun });
      // A line wider than the terminal wraps, and `\r` then redraws only its last part.
      const width = (io.stderr as { columns?: number }).columns ?? 0;
      io.stderr.write(bar ? `\r${width > 20 ? line.slice(0, width - 1) : line}\x1b[K` : `${line}\n`);
      drawn = true;
    },
    /** Ends the bar's line. */
    finish() {
      if (bar && drawn) io.stderr.write('\n');
    },
  };
}

/** Reads the file into the destination, writes the rejects file and prints the summary; returns the exit code. */
async function importFile(
  args: Args,
  { sink, target }: Destination,
  totalBytes: number,
  io: ImportIo,
  say: (line: string) => void,
): Promise<number> {
  const rejectsFile = args.rejects ?? `${args.file}.rejects.csv`;
  const rejects = rejectsWriter(rejectsFile);
  const shown: Rejection[] = [];
  const progress = progressDrawer(io, totalBytes, args.dryRun);
  try {
    const summary = await importCsv({
      input: createReadStream(args.file, { highWaterMark: 256 * 1024 }),
      repo: sink,
      source: args.source,
      map: args.map,
      preset: args.preset,
      dryRun: args.dryRun,
      onProgress: (p) => progress.draw(p),
      onReject: async (r) => {
        if (shown.length < SHOWN) shown.push(r);
        await rejects.write(r);
      },
    });
    progress.finish();
    await rejects.close();
    const lines = summaryLines(summary, {
      file: args.file,
      source: args.source,
      target,
      rejections: shown,
      rejectsFile: summary.rejected > 0 ? rejectsFile : undefined,
      elapsedMs: performance.now() - progress.started,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    });
    io.stdout.write(`${lines.join('\n')}\n`);
    return summary.rejected > 0 ? EXIT.rejected : EXIT.ok;
  } catch (err) {
    progress.finish();
    await rejects.close();
    if (err instanceof ApiSinkError) {
      say(
        `import: stopped: ${err.message}. Rows sent before this are kept; run the import again to continue.`,
      );
      return EXIT.unavailable;
    }
    if (!(err instanceof CsvImportError)) throw err;
    say(`import: ${args.file} cannot be imported; nothing was written:`);
    for (const p of err.problems) say(`  ${p}`);
    return EXIT.dataErr;
  }
}
