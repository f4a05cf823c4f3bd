import type { Response } from 'express';
import type { z } from 'zod';

/** RFC 9457 problem details: the one error shape of the HTTP API. */

export interface FieldError {
  /** Dotted path of the field as sent, e.g. `requester.company.revenue`, `tags[2]`, or a header name. */
  field: string;
  /** Where the field is. */
  in: 'body' | 'query' | 'header';
  /** JSON Pointer to the field in the request body (RFC 6901), when the field is in the body. */
  pointer?: string;
  detail: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const TYPE_BASE = 'https://suggested-sync.dev/problems/';

export class HttpProblem extends Error {
  readonly problem: Problem;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    slug: string,
    title: string,
    detail?: string,
    extra: Partial<Problem> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.problem = { type: `${TYPE_BASE}${slug}`, title, status, ...(detail ? { detail } : {}), ...extra };
    this.headers = headers;
  }
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}): void {
  res.status(problem.status).set(headers).type('application/problem+json').send(JSON.stringify(problem));
}

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

/** RFC 6901: the whole document is "", a member is "/name". */
function pointer(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** Every zod issue becomes one field error; an unknown key becomes one error per key. */
export function fieldErrors(error: z.ZodError, location: FieldError['in'] = 'body'): FieldError[] {
  const out: FieldError[] = [];
  const at = (path: ReadonlyArray<PropertyKey>) => (location === 'body' ? { pointer: pointer(path) } : {});
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        out.push({
          field: fieldPath(path),
          in: location,
          ...at(path),
          detail: `unknown ${location === 'body' ? 'field' : 'parameter'}`,
        });
      }
    } else {
      out.push({
        field: fieldPath(issue.path) || `(${location})`,
        in: location,
        ...at(issue.path),
        detail: issue.message,
      });
    }
  }
  return out;
}

/**
 * At most this many field errors are listed: a body with thousands of unknown fields must not get an answer
 * thousands of times its size. `errorCount` says how many there were.
 */
const MAX_LISTED_ERRORS = 20;

export function validationProblem(errors: FieldError[]): HttpProblem {
  const listed = errors.slice(0, MAX_LISTED_ERRORS);
  const names = listed.map((e) => (e.in === 'body' ? e.field : `${e.field} (${e.in})`));
  const left = errors.length - listed.length;
  const detail =
    `${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${names.join(', ')}` +
    (left > 0 ? ` (the first ${listed.length} are listed; ${left} more left out)` : '');
  return new HttpProblem(400, 'validation', 'Invalid request', detail, {
    errors: listed,
    errorCount: errors.length,
  });
}
