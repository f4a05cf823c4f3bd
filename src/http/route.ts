import type { Request, Response } from 'express';
import type { z } from 'zod';

/**
 * What one endpoint is, declared once: the express registration, the 405 answers and /openapi.json are all read
 * from these declarations (route-table.ts).
 */

/**
 * Who may call a route. `apiKey` and `adminToken` are checked before anything else (`Authorization: Bearer`);
 * `webhookSignature` is verified by the handler over the raw body; `session` is a console page (a signed-in
 * person's session cookie; a state-changing one also checks the form's CSRF token); `none` is open (health, the
 * console's sign-in, and the requester pages, whose URL token is the credential).
 */
export type AuthKind = 'apiKey' | 'adminToken' | 'webhookSignature' | 'session' | 'none';

type RouteBody =
  /** JSON, validated by the schema before the handler runs; `required` bodies must say application/json (415). */
  | { kind: 'json'; schema: z.ZodType; required: boolean }
  /** The bytes as sent (up to 5 MB), for a handler that verifies a signature over them. */
  | { kind: 'raw'; description: string }
  /** A urlencoded form; the handler validates it, since a page answers a bad form with a page. */
  | { kind: 'form'; schema: z.ZodType };

interface RouteResponse {
  description: string;
  /** The answer's shape; JSON unless `contentType` says otherwise. */
  schema?: z.ZodType;
  contentType?: 'application/json' | 'text/html' | 'text/plain';
}

export interface RouteSpec {
  method: 'get' | 'post' | 'delete';
  /** The express pattern (`/v1/features/:id`). */
  path: string;
  summary: string;
  auth: AuthKind;
  /** Path parameters. One that does not parse names nothing: 404 with the message as detail. */
  params?: z.ZodObject;
  /** Query parameters: 400 naming each invalid one. */
  query?: z.ZodObject;
  /** Request headers, keyed by their name as documented: 400 naming each invalid one, with the body's errors. */
  headers?: z.ZodObject;
  body?: RouteBody;
  /** A console route that changes something only a member may do (viewers read). */
  role?: 'member';
  /** `intake`: per API key, RateLimit-* headers, a problem; `pages`: per client IP, a page. */
  rateLimit?: 'intake' | 'pages';
  /** The successful answers (and the pages' own error pages), by status. */
  responses: Record<number, RouteResponse>;
  /** The problem+json answers particular to this route, by status (those of its auth kind are added). */
  problems?: Record<number, string>;
}

/** Keeps each declaration's literal types, so handlers see their own parsed input. */
export function defineRoute<const S extends RouteSpec>(spec: S): S {
  return spec;
}

type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

/** What the route's schemas made of the request. */
export interface RouteInput<S extends RouteSpec> {
  params: Parsed<S['params']>;
  query: Parsed<S['query']>;
  headers: Parsed<S['headers']>;
  body: S['body'] extends { kind: 'json'; schema: infer B } ? Parsed<B> : undefined;
}

export type RouteHandler<S extends RouteSpec> = (
  input: RouteInput<S>,
  req: Request,
  res: Response,
) => Promise<void> | void;

/** An express pattern as an OpenAPI path: `/v1/features/:id` is `/v1/features/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}
