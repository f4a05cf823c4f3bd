import { describe, expect, it } from 'vitest';
import { ConnectorError, type ConnectorErrorKind } from '../connectors/errors.ts';
import { AUTH_HOLD_MS, actionFor } from './connector-policy.ts';

describe('actionFor: a connector error kind becomes queue behaviour', () => {
  it.each([
    ['rate_limited', { retryAfterMs: 7000 }, { action: 'pause-queue', ms: 7000 }],
    ['rate_limited', {}, { action: 'pause-queue', ms: 60_000 }],
    ['auth', {}, { action: 'hold-queue', ms: AUTH_HOLD_MS }],
    ['transient', {}, { action: 'retry' }],
    ['invalid_input', {}, { action: 'stop' }],
    ['not_found', {}, { action: 'stop' }],
    ['config', {}, { action: 'stop' }],
  ] as const)('%s %j → %j', (kind, options, expected) => {
    expect(actionFor(new ConnectorError(kind as ConnectorErrorKind, 'jira', 'boom', options))).toMatchObject(
      expected,
    );
  });

  it('says which tracker and why when it stops', () => {
    expect(actionFor(new ConnectorError('invalid_input', 'linear', 'title is required'))).toEqual({
      action: 'stop',
      reason: 'linear invalid_input: title is required',
    });
  });
});
