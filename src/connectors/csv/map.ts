import { createHash } from 'node:crypto';
import {
  type RequestInput,
  receivedInFuture,
  requestContent,
  requestInput,
  requestPayloadHash,
} from '../../domain/request.ts';
import { annualFromMonthly } from '../../domain/revenue.ts';
import type { SubmittedRequester } from '../../store/schema.ts';
import type { CsvField } from './columns.ts';
import { parseCsvDate } from './dates.ts';

/**
 * One CSV row → one request, under the same validation as `POST /v1/requests` (domain/request.ts), so a row the
 * API would refuse is rejected here with the same words. Pure: `now` is passed in.
 */

/** What the importer stores for a valid row (the `NewRequest` of store/requests.repo.ts minus idempotency keys). */
export interface CsvRequest {
  source: string;
  sourceRef: string;
  payloadHash: string;
  title: string;
  body: string;
  url: string | undefined;
  tags: string[];
  important: boolean;
  submittedRequester: SubmittedRequester;
  /** Null when the row has no date: the import time is used. */
  receivedAt: string | null;
}

type MapResult = { ok: true; request: CsvRequest } | { ok: false; reason: string };

const TRUE = new Set(['true', 'yes', 'y', '1', 'x']);
const FALSE = new Set(['false', 'no', 'n', '0']);

function cell(cells: readonly string[], columns: Partial<Record<CsvField, number>>, field: CsvField) {
  const index = columns[field];
  if (index === undefined) return undefined;
  const value = cells[index]?.trim();
  return value === '' ? undefined : value;
}

/** `$120,000`, `120000.50`, `120 000`: what spreadsheets write for money. Unparsable stays a string for the schema to name. */
function money(value: string): number | string {
  const cleaned = value.replace(/[\s$€£¥,]|USD|EUR|GBP/gi, '');
  const n = Number(cleaned);
  return cleaned !== '' && Number.isFinite(n) ? n : value;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The row's identity when the file has no id column: its normalised content, so re-importing the same file (or
 * the same row twice) finds the same request. Whitespace, line endings and email case do not change it.
 */
export function contentRef(parts: { title: string; body: string; email: string; created: string }): string {
  const text = (s: string) =>
    s
      .replace(/\r\n?/g, '\n')
      .replace(/[ \t]+/g, ' ')
      .trim();
  const key = JSON.stringify([
    text(parts.title),
    text(parts.body),
    parts.email.trim().toLowerCase(),
    parts.created,
  ]);
  return `row:${sha256(key).slice(0, 40)}`;
}

export function mapRow(
  cells: readonly string[],
  columns: Partial<Record<CsvField, number>>,
  options: { source: string; now: Date },
): MapResult {
  const created = cell(cells, columns, 'created');
  let receivedAt: string | undefined;
  if (created !== undefined) {
    receivedAt = parseCsvDate(created);
    if (!receivedAt)
      return {
        ok: false,
        reason: `created: "${created.slice(0, 40)}" is not a date (use 2024-03-05 or 2024-03-05T10:20:00Z)`,
      };
  }
  const title = columns.title === undefined ? undefined : (cells[columns.title] ?? '');
  const body = cell(cells, columns, 'body') ?? '';
  const email = cell(cells, columns, 'email');
  const company = companyOf(cells, columns);
  if (typeof company === 'string') return { ok: false, reason: company };
  const importantCell = cell(cells, columns, 'important')?.toLowerCase();
  const tags = cell(cells, columns, 'tags');
  const ref = cell(cells, columns, 'ref');

  const candidate = {
    title,
    body,
    requester: {
      email,
      ...(cell(cells, columns, 'name') !== undefined ? { name: cell(cells, columns, 'name') } : {}),
      ...(company ? { company } : {}),
    },
    source: options.source,
    sourceRef:
      ref ??
      contentRef({ title: title ?? '', body, email: email ?? '', created: receivedAt ?? created ?? '' }),
    ...(cell(cells, columns, 'url') !== undefined ? { url: cell(cells, columns, 'url') } : {}),
    ...(tags !== undefined ? { tags: splitTags(tags) } : {}),
    ...(importantCell !== undefined
      ? {
          important: TRUE.has(importantCell) ? true : FALSE.has(importantCell) ? false : importantCell,
        }
      : {}),
    ...(receivedAt !== undefined ? { receivedAt } : {}),
  };
  const parsed = requestInput.safeParse(candidate);
  if (!parsed.success) return { ok: false, reason: schemaReason(parsed.error.issues) };
  const input: RequestInput = parsed.data;
  if (receivedInFuture(input, options.now)) {
    return { ok: false, reason: `created: ${created} is in the future` };
  }
  return {
    ok: true,
    request: {
      source: input.source,
      // Always set: an id column's value or the content hash.
      sourceRef: input.sourceRef ?? '',
      payloadHash: requestPayloadHash(input),
      ...requestContent(input),
      receivedAt: input.receivedAt ?? null,
    },
  };
}

/**
 * The requester's company from its columns, or why a cell cannot be read. Revenue is annual: an annual column
 * wins, a monthly one counts twelve times.
 */
function companyOf(
  cells: readonly string[],
  columns: Partial<Record<CsvField, number>>,
): { name?: string; revenue?: ReturnType<typeof money>; tier?: string } | undefined | string {
  const companyName = cell(cells, columns, 'company');
  const annual = cell(cells, columns, 'revenue');
  const monthly = annual === undefined ? cell(cells, columns, 'mrr') : undefined;
  const monthlyAmount = monthly === undefined ? undefined : money(monthly);
  if (typeof monthlyAmount === 'string') return `mrr: "${monthly?.slice(0, 40)}" is not an amount`;
  const revenue =
    annual !== undefined
      ? money(annual)
      : monthlyAmount === undefined
        ? undefined
        : annualFromMonthly(monthlyAmount);
  const tier = cell(cells, columns, 'tier');
  if (companyName === undefined && revenue === undefined && tier === undefined) return undefined;
  return {
    ...(companyName !== undefined ? { name: companyName } : {}),
    ...(revenue !== undefined ? { revenue } : {}),
    ...(tier !== undefined ? { tier } : {}),
  };
}

function splitTags(tags: string): string[] {
  return [
    ...new Set(
      tags
        .split(/[,;|]/)
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

/** The schema's messages already name the field; the path disambiguates company fields and tags. */
function schemaReason(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  const reasons = issues.map((i) => {
    const path = i.path.map(String).join('.');
    return path.startsWith('requester.company') || path.startsWith('tags')
      ? `${path}: ${i.message}`
      : i.message;
  });
  return [...new Set(reasons)].join('; ');
}
