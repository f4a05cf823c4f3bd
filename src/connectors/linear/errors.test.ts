import {
  AuthenticationLinearError,
  FeatureNotAccessibleLinearError,
  ForbiddenLinearError,
  GraphqlLinearError,
  InternalLinearError,
  InvalidInputLinearError,
  LinearGraphQLError,
  LockTimeoutLinearError,
  NetworkLinearError,
  RatelimitedLinearError,
  UnknownLinearError,
} from '@linear/sdk';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../errors.ts';
import { classifyLinearError } from './errors.ts';
import { linearSpec } from './spec.ts';

const DEFAULT_RETRY_AFTER_MS = linearSpec.failures.defaultRetryAfterMs;

/** The raw error the SDK's GraphQL client builds from a response, as its constructors take it. */
const raw = (status: number, headers: Record<string, string> = {}, message?: string) => ({
  ...(message ? { message } : {}),
  response: { status, headers: new Headers(headers) },
});
const gqlError = (type: string, message: string, userPresentableMessage?: string) =>
  new LinearGraphQLError({
    message: message as never,
    extensions: { type: type as never, ...(userPresentableMessage ? { userPresentableMessage } : {}) },
  });

describe('classifyLinearError', () => {
  it.each([
    {
      name: 'ratelimited with Retry-After: 7',
      err: new RatelimitedLinearError(raw(400, { 'retry-after': '7' }), [
        gqlError('ratelimited', 'Rate limit'),
      ]),
      kind: 'rate_limited',
      retryAfterMs: 7000,
      status: 400,
    },
    {
      name: 'ratelimited without Retry-After falls back',
      err: new RatelimitedLinearError(raw(429)),
      kind: 'rate_limited',
      retryAfterMs: DEFAULT_RETRY_AFTER_MS,
      status: 429,
    },
    {
      name: 'ratelimited with a nonsense Retry-After falls back',
      err: new RatelimitedLinearError(raw(400, { 'retry-after': '0' })),
      kind: 'rate_limited',
      retryAfterMs: DEFAULT_RETRY_AFTER_MS,
      status: 400,
    },
    { name: 'authentication', err: new AuthenticationLinearError(raw(401)), kind: 'auth', status: 401 },
    { name: 'forbidden', err: new ForbiddenLinearError(raw(403)), kind: 'auth', status: 403 },
    {
      name: 'invalid input: an id already taken',
      err: new InvalidInputLinearError(raw(200, {}, 'conflict on insert of Issue'), [
        gqlError('invalid input', 'conflict on insert of Issue', 'Entity Issue with id x already exists.'),
      ]),
      kind: 'invalid_input',
      status: 200,
    },
    {
      name: 'invalid input: an entity that does not exist',
      err: new InvalidInputLinearError(raw(200, {}, 'Entity not found: Issue'), [
        gqlError('invalid input', 'Entity not found: Issue', 'Could not find referenced Issue.'),
      ]),
      kind: 'not_found',
      status: 200,
    },
    {
      name: 'invalid input: a reference that does not exist',
      err: new InvalidInputLinearError(raw(200), [
        gqlError(
          'invalid input',
          'Entity not found in validateAccess: issueId',
          'issueId contained an entry that could not be found.',
        ),
      ]),
      kind: 'not_found',
      status: 200,
    },
    {
      name: 'a document Linear cannot validate',
      err: new GraphqlLinearError(raw(400), [gqlError('graphql error', 'Cannot query field "x"')]),
      kind: 'invalid_input',
      status: 400,
    },
    {
      name: 'a feature the plan lacks',
      err: new FeatureNotAccessibleLinearError(raw(200), [gqlError('feature not accessible', 'Customers')]),
      kind: 'config',
      status: 200,
    },
    { name: 'internal error (500)', err: new InternalLinearError(raw(500)), kind: 'transient', status: 500 },
    { name: 'gateway page (503)', err: new NetworkLinearError(raw(503)), kind: 'transient', status: 503 },
    { name: 'lock timeout', err: new LockTimeoutLinearError(raw(200)), kind: 'transient', status: 200 },
    { name: 'no answer at all', err: new UnknownLinearError(), kind: 'transient', status: undefined },
    { name: 'not a Linear error', err: new TypeError('fetch failed'), kind: 'transient', status: undefined },
  ])('$name → $kind', ({ err, kind, retryAfterMs, status }) => {
    const classified = classifyLinearError(err);
    expect(classified).toBeInstanceOf(ConnectorError);
    expect(classified).toMatchObject({ kind, provider: 'linear', status, retryAfterMs });
    expect(classified.cause).toBe(err);
  });

  it('passes a ConnectorError through unchanged', () => {
    const already = new ConnectorError('config', 'linear', 'no team ENG');
    expect(classifyLinearError(already)).toBe(already);
  });
});
