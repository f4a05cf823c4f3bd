import {
  AuthenticationLinearError,
  FeatureNotAccessibleLinearError,
  ForbiddenLinearError,
  GraphqlLinearError,
  InvalidInputLinearError,
  type LinearError,
  RatelimitedLinearError,
  UsageLimitExceededLinearError,
  UserLinearError,
} from '@linear/sdk';
import { ConnectorError, type ConnectorErrorKind } from '../errors.ts';
import { linearSpec } from './spec.ts';

/**
 * @linear/sdk errors → ConnectorError. The SDK picks its class from `errors[0].extensions.type` and, only when a
 * response carries no GraphQL errors, from the HTTP status (403 forbidden, 429 ratelimited, other 4xx
 * authentication, 500 internal, other 5xx network); a fetch that never got an answer is an UnknownLinearError.
 * https://linear.app/developers/graphql#errors-and-rate-limiting
 */

const FAILURES = linearSpec.failures;

/**
 * Linear answers a missing entity with an "invalid input" error ("Entity not found: Issue", or "Entity not found
 * in validateAccess: issueId" for a reference), not with a 404.
 */
const NOT_FOUND = /not found|could not (?:be )?find|could not be found/i;

interface Rule {
  matches: (err: unknown) => boolean;
  kind: (err: LinearError) => ConnectorErrorKind;
}

/** First match wins; anything unmatched (internal, network, lock timeout, unknown, not a Linear error) is transient. */
const RULES: readonly Rule[] = [
  { matches: (e) => e instanceof RatelimitedLinearError, kind: () => 'rate_limited' },
  {
    matches: (e) => e instanceof AuthenticationLinearError || e instanceof ForbiddenLinearError,
    kind: () => 'auth',
  },
  {
    matches: (e) => e instanceof InvalidInputLinearError,
    kind: (e) => (NOT_FOUND.test(messages(e)) ? 'not_found' : 'invalid_input'),
  },
  // A document Linear cannot validate, or an input it refuses as the user's mistake: retrying cannot help.
  {
    matches: (e) => e instanceof GraphqlLinearError || e instanceof UserLinearError,
    kind: () => 'invalid_input',
  },
  // The workspace's plan lacks the feature (Customers) or hit a plan limit: an operator must act.
  {
    matches: (e) =>
      e instanceof FeatureNotAccessibleLinearError || e instanceof UsageLimitExceededLinearError,
    kind: () => 'config',
  },
];

function messages(err: LinearError): string {
  return [err.message, ...(err.errors ?? []).map((e) => e.message)].join(' | ');
}

export function classifyLinearError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const linear = err as LinearError;
  const status = typeof linear?.status === 'number' ? linear.status : undefined;
  const rule = RULES.find((r) => r.matches(err));
  const kind = rule ? rule.kind(linear) : 'transient';
  const retryAfterMs =
    err instanceof RatelimitedLinearError
      ? retryAfterMsOf(err.retryAfter, FAILURES.defaultRetryAfterMs)
      : undefined;
  return new ConnectorError(kind, FAILURES.provider, message, { cause: err, status, retryAfterMs });
}

function retryAfterMsOf(seconds: number | undefined, fallbackMs: number): number {
  return seconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : fallbackMs;
}
