import type { Response } from 'express';
import type { z } from 'zod';

/** RFC 9457 problem details: the one error shape of the HTTP API. */

export interface FieldError {
  /** Dotted path of the field as sent, e.g. `requester.company.revenue`, `tags[2]`, or a header name. */
  field: string;
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

function pointer(path: ReadonlyArray<PropertyKey>): string {
  return `/${path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
}

/** Every zod issue becomes one field error; an unknown key becomes one error per key. */
export function fieldErrors(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({
          field: fieldPath([...path, key]),
          pointer: pointer([...path, key]),
          detail: 'unknown field',
        });
      }
    } else {
      out.push({ field: fieldPath(path) || '(body)', pointer: pointer(path), detail: issue.message });
    }
  }
  return out;
}

export function validationProblem(errors: FieldError[], where = 'request body'): HttpProblem {
  const detail = `${errors.length} invalid field${errors.length === 1 ? '' : 's'} in the ${where}: ${errors.map((e) => e.field).join(', ')}`;
  return new HttpProblem(400, 'validation', 'Invalid request', detail, { errors });
}
