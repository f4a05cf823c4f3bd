import { createHash } from 'node:crypto';
import { z } from 'zod';
import { refuseNul } from './nul.ts';

/** The body of `POST /v1/requests`; also the source of its OpenAPI schema. Unknown fields are errors. */

const text = (max: number, what: string) =>
  refuseNul(
    z
      .string({ error: (i) => (i.input === undefined ? `${what} is required` : `${what} must be a string`) })
      .trim()
      .min(1, `${what} must not be empty`)
      .max(max, `${what} must be at most ${max} characters`),
    what,
  );

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const objectError = (what: string) => ({
  error: (i: { input: unknown }) =>
    i.input === undefined ? `${what} is required` : `${what} must be an object`,
});

const companyInput = z
  .strictObject(
    {
      name: text(200, 'company name').optional(),
      domain: z
        .string({ error: 'company domain must be a string' })
        .trim()
        .toLowerCase()
        .regex(DOMAIN, 'company domain must be a domain name such as "acme.com"')
        .optional(),
      revenue: z
        .number({ error: 'revenue must be a number (annual, in the account currency)' })
        .finite()
        .min(0, 'revenue must not be negative')
        .optional(),
      tier: text(50, 'tier').optional(),
    },
    objectError('company'),
  )
  .meta({
    description:
      'The requester’s account. Without it, the email domain names the company unless it is a free-mail provider.',
  });

export const requesterInput = z.strictObject(
  {
    // Surrounding whitespace is a copy-paste accident, not part of the address.
    email: z.preprocess(
      (v) => (typeof v === 'string' ? v.trim() : v),
      z
        .email({
          error: (i) => (i.input === undefined ? 'email is required' : 'email must be a valid email address'),
        })
        .max(320, 'email must be at most 320 characters'),
    ),
    name: text(200, 'name').optional(),
    externalId: text(200, 'externalId').optional(),
    company: companyInput.optional(),
  },
  objectError('requester'),
);

export const requestInput = z.strictObject(
  {
    title: text(300, 'title'),
    body: refuseNul(
      z.string({ error: 'body must be a string' }).max(20_000, 'body must be at most 20000 characters'),
      'body',
    ).optional(),
    requester: requesterInput,
    source: z
      .string({ error: 'source must be a string' })
      .regex(/^[a-z0-9][a-z0-9_-]{0,49}$/, 'source must be 1-50 lowercase letters, digits, "-" or "_"')
      .default('api'),
    sourceRef: text(500, 'sourceRef').optional(),
    url: refuseNul(
      z
        .url({ protocol: /^https?$/, error: 'url must be an http or https URL' })
        .max(2000, 'url must be at most 2000 characters'),
      'url',
    ).optional(),
    tags: z
      .array(text(50, 'tag'), { error: 'tags must be an array of strings' })
      .max(50, 'at most 50 tags')
      .optional(),
    important: z.boolean({ error: 'important must be true or false' }).optional().meta({
      description:
        'Marked important by whoever sends it (an account manager escalating): adds `scoring.important` points for this requester in the feature’s score.',
    }),
    receivedAt: z.iso
      .datetime({ offset: true, error: 'receivedAt must be an ISO 8601 date-time with a time zone' })
      // Before 1970 is a wrong date (and outside what the database stores); the future bound needs a clock and
      // is checked where the request arrives.
      .refine((v) => Date.parse(v) >= 0, { error: 'receivedAt must not be before 1970' })
      .optional(),
  },
  objectError('the request body'),
);

export type RequestInput = z.infer<typeof requestInput>;

/** A source's clock may run a little ahead of ours; a day ahead is a wrong date, not skew. */
const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/** The clock-dependent half of the receivedAt rule (the schema holds the fixed lower bound). */
export function receivedInFuture(input: RequestInput, now: Date): boolean {
  return input.receivedAt !== undefined && Date.parse(input.receivedAt) > now.getTime() + MAX_CLOCK_SKEW_MS;
}

/** Key order must not change the hash of the same payload. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The hash of a valid request as normalised by the schema (trimmed, defaults filled, key order ignored): what tells
 * a resend of the same request from a different one under the same Idempotency-Key or source + sourceRef. The API
 * and the CSV import hash the same way, so a row imported directly and sent again through the API compare equal.
 */
export function requestPayloadHash(input: RequestInput): string {
  return sha256(canonicalJson(input));
}

/**
 * The hash the direct CSV import stored before it used `requestPayloadHash`: the schema's output as serialised, in
 * the schema's key order. A row imported with it is the same request as its resend, so both hashes match.
 */
export function legacyRequestPayloadHash(input: RequestInput): string {
  return sha256(JSON.stringify(input));
}

/** What is stored of a valid request's content, the same from the API and from a CSV row. */
export function requestContent(input: RequestInput) {
  return {
    title: input.title,
    body: input.body ?? '',
    url: input.url,
    tags: input.tags ?? [],
    important: input.important ?? false,
    submittedRequester: input.requester,
  };
}
