import { parseArgs } from 'node:util';
import { CONSOLE_SETTINGS } from './console-target.ts';
import { CSV_SETTINGS } from './csv-import-target.ts';
import { NOTIFY_DATABASES } from './notify-target.ts';
import { TRIAGE_SETTINGS } from './triage-target.ts';

/** `npm run bench`'s command line: which targets run, and their settings (bench/run.ts lists the flags). */

export const INTAKE_TARGETS = ['bare', 'pglite', 'postgres'] as const;
export type IntakeTarget = (typeof INTAKE_TARGETS)[number];
/**
 * Intake first, then tracker: the tracker run leaves nothing behind that could slow an intake run. Triage last:
 * its bulk loads fill the disk cache and the WAL, which the others should not pay for.
 */
export const TARGETS = [
  ...INTAKE_TARGETS,
  'memory',
  'tracker',
  'notify',
  'triage',
  'csv',
  'console',
] as const;
export type TargetName = (typeof TARGETS)[number];

export type BenchFlags = ReturnType<typeof parseFlags>;

export function parseFlags() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '32' },
      only: { type: 'string', default: TARGETS.join(',') },
      'triage-sizes': { type: 'string', default: TRIAGE_SETTINGS.sizes.join(',') },
      'triage-requests': { type: 'string', default: String(TRIAGE_SETTINGS.requests) },
      'notify-databases': { type: 'string', default: NOTIFY_DATABASES.join(',') },
      'csv-rows': { type: 'string', default: String(CSV_SETTINGS.rows) },
      'console-features': { type: 'string', default: String(CONSOLE_SETTINGS.features) },
    },
  });
  const seconds = Number(values.duration);
  const connections = Number(values.concurrency);
  if (!(seconds > 0))
    throw new Error(`--duration: expected a positive number of seconds, got ${values.duration}`);
  if (!Number.isInteger(connections) || connections < 1)
    throw new Error(`--concurrency: expected a positive whole number, got ${values.concurrency}`);
  const only = values.only.split(',').map((t) => t.trim());
  const unknown = only.filter((t) => !(TARGETS as readonly string[]).includes(t));
  if (unknown.length > 0 || only.length === 0)
    throw new Error(`--only: expected some of ${TARGETS.join(',')}, got ${values.only}`);
  const triageSizes = values['triage-sizes'].split(',').map((n) => Number(n.trim()));
  if (triageSizes.length === 0 || triageSizes.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`--triage-sizes: expected positive whole numbers, got ${values['triage-sizes']}`);
  const triageRequests = Number(values['triage-requests']);
  if (!Number.isInteger(triageRequests) || triageRequests < 1)
    throw new Error(`--triage-requests: expected a positive whole number, got ${values['triage-requests']}`);
  const notifyDatabases = NOTIFY_DATABASES.filter((d) => values['notify-databases'].split(',').includes(d));
  if (notifyDatabases.length === 0)
    throw new Error(
      `--notify-databases: expected some of ${NOTIFY_DATABASES.join(',')}, got ${values['notify-databases']}`,
    );
  // Always in the same order, bare first, so the ceiling is known before the ratios.
  const targets = INTAKE_TARGETS.filter((t) => only.includes(t));
  return {
    seconds,
    connections,
    targets,
    tracker: only.includes('tracker'),
    notify: only.includes('notify') ? notifyDatabases : undefined,
    triage: only.includes('triage') ? { sizes: triageSizes, requests: triageRequests } : undefined,
    memory: only.includes('memory'),
    csv: only.includes('csv') ? { rows: csvRows(values['csv-rows']) } : undefined,
    consolePages: only.includes('console')
      ? { features: consoleFeatures(values['console-features']) }
      : undefined,
  };
}

function csvRows(value: string): number {
  const rows = Number(value);
  if (!Number.isInteger(rows) || rows < 1)
    throw new Error(`--csv-rows: expected a positive whole number, got ${value}`);
  return rows;
}

function consoleFeatures(value: string): number {
  const features = Number(value);
  if (!Number.isInteger(features) || features < 1_000)
    throw new Error(`--console-features: expected a whole number of at least 1000, got ${value}`);
  return features;
}
