import { GraphQLError } from 'graphql';

/**
 * Linear's error shapes. @linear/sdk picks its error class from `errors[0].extensions.type`, a lower-case phrase
 * (`errorMap` in the SDK's error.ts), and reads the rate-limit figures from the response headers. The bodies below
 * follow responses captured from api.linear.app.
 */

export interface LinearErrorExtensions {
  type: string;
  code: string;
  statusCode?: number;
  userError: boolean;
  userPresentableMessage?: string;
  meta?: Record<string, unknown>;
  http?: { status: number; headers?: Record<string, string> };
}

export interface LinearErrorBody {
  message: string;
  path?: readonly (string | number)[];
  locations?: readonly { line: number; column: number }[];
  extensions: LinearErrorExtensions;
}

/** An error a resolver throws on purpose; graphql.ts copies its extensions into the answer. */
export class LinearApiError extends GraphQLError {
  readonly linear: LinearErrorExtensions;
  constructor(message: string, extensions: LinearErrorExtensions) {
    super(message, { extensions: { ...extensions } });
    this.linear = extensions;
  }
}

/** A bad argument: InvalidInputLinearError in the SDK. */
export function invalidInput(message: string, userPresentableMessage = message): LinearApiError {
  return new LinearApiError(message, {
    type: 'invalid input',
    code: 'INPUT_ERROR',
    statusCode: 400,
    userError: true,
    userPresentableMessage,
  });
}

/** `issue(id:)` and friends for an id that does not exist: "Entity not found: Issue". */
export function notFound(entity: string): LinearApiError {
  return invalidInput(`Entity not found: ${entity}`, `Could not find referenced ${entity}.`);
}

/** An input field naming an entity that does not exist (`teamId`, `labelIds`, ...). */
export function referenceNotFound(field: string): LinearApiError {
  return invalidInput(
    `Entity not found in validateAccess: ${field}`,
    `${field} contained an entry that could not be found.`,
  );
}

/** A create with a client-chosen id that is already taken. */
export function conflict(entity: string, id: string): LinearApiError {
  return invalidInput(`conflict on insert of ${entity}`, `Entity ${entity} with id ${id} already exists.`);
}

export function authenticationError(): LinearErrorBody {
  return {
    message: 'Authentication required, not authenticated',
    extensions: {
      type: 'authentication error',
      code: 'AUTHENTICATION_ERROR',
      statusCode: 401,
      userError: true,
      userPresentableMessage: 'You need to authenticate to access this operation.',
      meta: {},
      http: { status: 401 },
    },
  };
}

export function rateLimitedError(): LinearErrorBody {
  return {
    message: `Rate limit exceeded. Only ${REQUEST_LIMIT} requests are allowed per 1 hour.`,
    extensions: { type: 'ratelimited', code: 'RATELIMITED', statusCode: 429, userError: true },
  };
}

/** Parse and validation failures: Linear answers HTTP 400 with type "graphql error". */
export function graphqlError(
  message: string,
  code: 'BAD_REQUEST' | 'GRAPHQL_PARSE_FAILED' | 'GRAPHQL_VALIDATION_FAILED' | 'BAD_USER_INPUT',
  locations?: readonly { line: number; column: number }[],
): LinearErrorBody {
  return {
    message,
    ...(locations ? { locations } : {}),
    extensions: {
      type: 'graphql error',
      code,
      statusCode: 400,
      userError: true,
      http: { status: 400, headers: {} },
    },
  };
}

export function internalError(message = 'Internal server error'): LinearErrorBody {
  return {
    message,
    extensions: { type: 'internal error', code: 'INTERNAL_SERVER_ERROR', statusCode: 500, userError: false },
  };
}

const GATEWAY_TITLES: Record<number, string> = {
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
  504: '504 Gateway Time-out',
};

export const GATEWAY_STATUSES: ReadonlySet<number> = new Set(Object.keys(GATEWAY_TITLES).map(Number));

/**
 * The page a gateway in front of Linear answers 502/503/504 with: HTML, no GraphQL `errors`, so the SDK picks its
 * error class from the status alone (`parseLinearError`: 500 → InternalLinearError, other 5xx → NetworkLinearError).
 */
export function gatewayPage(status: number): string {
  const title = GATEWAY_TITLES[status] ?? `${status} Server Error`;
  return `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center></body></html>\n`;
}

/** Linear's published API-key budget (https://linear.app/developers/rate-limiting). */
export const REQUEST_LIMIT = 2500;
export const COMPLEXITY_LIMIT = 3_000_000;
export const RATE_WINDOW_MS = 60 * 60 * 1000;
