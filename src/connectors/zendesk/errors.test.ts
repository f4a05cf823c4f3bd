import { describe, expect, it } from 'vitest';
import { classifyZendeskResponse } from './errors.ts';
import { zendeskSpec } from './spec.ts';

const DEFAULT_RETRY_AFTER_MS = zendeskSpec.failures.defaultRetryAfterMs;

describe('classifyZendeskResponse', () => {
  it.each([
    [429, '7', {}, 'rate_limited', 7_000],
    [429, null, {}, 'rate_limited', DEFAULT_RETRY_AFTER_MS],
    [401, null, { error: "Couldn't authenticate you" }, 'auth', undefined],
    [403, null, { error: 'Forbidden' }, 'auth', undefined],
    [404, null, { error: 'RecordNotFound' }, 'not_found', undefined],
    [422, null, { error: 'RecordInvalid', description: 'bad' }, 'invalid_input', undefined],
    [503, null, undefined, 'transient', undefined],
  ])('HTTP %i (Retry-After %s) → %s', (status, retryAfter, body, kind, retryAfterMs) => {
    const err = classifyZendeskResponse(status, retryAfter, body);
    expect(err.kind).toBe(kind);
    expect(err.retryAfterMs).toBe(retryAfterMs);
    expect(err.status).toBe(status);
  });

  it("names Zendesk's own error text", () => {
    expect(classifyZendeskResponse(422, null, { error: 'RecordInvalid', description: 'bad' }).message).toBe(
      'Zendesk rejected the call: RecordInvalid: bad (HTTP 422)',
    );
  });
});
