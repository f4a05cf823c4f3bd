import type { Readable } from 'node:stream';
import type { ImportedRequest } from '../../store/request-import.repo.ts';
import { type CsvField, type PresetName, resolveColumns } from './columns.ts';
import { type CsvRequest, mapRow } from './map.ts';
import { readCsv } from './read.ts';

/**
 * The CSV import pipeline: read (streaming) → map and validate each row → insert in batches. Memory stays
 * bounded by one batch: the next rows are not read until the batch before them is committed.
 */

export interface Rejection {
  line: number;
  reason: string;
}

export interface ImportProgress {
  rows: number;
  bytes: number;
  created: number;
  duplicates: number;
  rejected: number;
}

export interface ImportSummary extends ImportProgress {
  /** `field ← "Column"` for each recognised column. */
  columns: string[];
  dryRun: boolean;
}

/** The file cannot be imported at all (no header, a required column missing): nothing was written. */
export class CsvImportError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('; '));
    this.problems = problems;
  }
}

const DEFAULT_BATCH = 500;

/** Where valid rows go: the database (store/request-import.repo.ts) or the running service's API (api-sink.ts). */
export interface RequestSink {
  /** Stores what is new, idempotent on (source, source ref); says how many rows were new. */
  insertMany(rows: readonly ImportedRequest[]): Promise<{ created: number }>;
}

interface ImportCsvOptions {
  input: Readable;
  /** Where rows go; not used by a dry run. */
  repo?: RequestSink | undefined;
  source: string;
  map?: ReadonlyArray<[string, CsvField]>;
  preset?: PresetName | undefined;
  dryRun?: boolean;
  batchSize?: number;
  now?: () => Date;
  /** Called after every batch and as bytes are read. */
  onProgress?: (progress: ImportProgress) => void;
  onReject?: (rejection: Rejection) => void | Promise<void>;
}

type Batch = Map<string, CsvRequest & { line: number }>;

/** Stores a batch and counts what was new; the rest were already stored (by ref). */
async function insertBatch(
  repo: RequestSink,
  batch: Batch,
  at: Date,
  progress: ImportProgress,
): Promise<void> {
  const { created } = await repo.insertMany(
    [...batch.values()].map(({ line: _line, receivedAt, ...r }) => ({
      ...r,
      idempotencyScope: undefined,
      idempotencyKey: undefined,
      receivedAt: receivedAt ? new Date(receivedAt) : at,
    })),
  );
  progress.created += created;
  progress.duplicates += batch.size - created;
}

export async function importCsv({
  input,
  repo,
  source,
  map = [],
  preset,
  dryRun = false,
  batchSize = DEFAULT_BATCH,
  now = () => new Date(),
  onProgress,
  onReject,
}: ImportCsvOptions): Promise<ImportSummary> {
  if (!dryRun && !repo) throw new Error('importCsv: a repository is needed unless dryRun');
  const progress: ImportProgress = { rows: 0, bytes: 0, created: 0, duplicates: 0, rejected: 0 };
  let columns: ReturnType<typeof resolveColumns> | undefined;
  let batch: Batch = new Map();
  // A dry run writes nothing, so it finds in-file duplicates itself (memory: one ref per valid row).
  const seen = dryRun ? new Set<string>() : undefined;

  const reject = async (rejection: Rejection) => {
    progress.rejected++;
    await onReject?.(rejection);
  };

  const flush = async () => {
    if (batch.size === 0 || !repo) return;
    await insertBatch(repo, batch, now(), progress);
    batch = new Map();
    onProgress?.({ ...progress });
  };

  for await (const record of readCsv(input, {
    onBytes: (bytes) => {
      progress.bytes = bytes;
    },
  })) {
    if (record.kind === 'error') {
      await reject({ line: record.line, reason: record.reason });
      continue;
    }
    if (!columns) {
      columns = resolveColumns(record.cells, { map, preset });
      if (!columns.ok) throw new CsvImportError(columns.problems);
      continue;
    }
    if (!columns.ok) continue;
    progress.rows++;
    const mapped = mapRow(record.cells, columns.columns, { source, now: now() });
    if (!mapped.ok) {
      await reject({ line: record.line, reason: mapped.reason });
      continue;
    }
    const ref = mapped.request.sourceRef;
    if (seen) {
      if (seen.has(ref)) progress.duplicates++;
      else {
        seen.add(ref);
        progress.created++;
      }
      if (progress.rows % batchSize === 0) onProgress?.({ ...progress });
      continue;
    }
    // The same row twice in one batch: the first one counts, the second is a duplicate like any later one.
    if (batch.has(ref)) progress.duplicates++;
    else batch.set(ref, { ...mapped.request, line: record.line });
    if (batch.size >= batchSize) await flush();
  }
  if (!columns)
    throw new CsvImportError([
      progress.rejected > 0
        ? 'no readable header row (see the rejected lines): expected a first row naming the columns'
        : 'the file is empty: expected a header row naming the columns',
    ]);
  await flush();
  onProgress?.({ ...progress });
  return { ...progress, columns: columns.ok ? columns.described : [], dryRun };
}
