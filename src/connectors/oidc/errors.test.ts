import { describe, expect, it } from 'vitest';
import { classifyOidcError } from './errors.ts';

describe('classifyOidcError', () => {
  const refused = Object.assign(new Error('authorization response from the server is an error'), {
    name: 'AuthorizationResponseError',
    error: 'access_denied',
  });
  const tokenRefused = Object.assign(new Error('server responded with an error'), {
    name: 'ResponseBodyError',
    error: 'invalid_grant',
  });
  const network = Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
  });
  const wrapped = Object.assign(new Error('something went wrong'), { name: 'ClientError', cause: network });
  const nonce = Object.assign(new Error('unexpected ID Token "nonce" claim value'), {
    name: 'OperationProcessingError',
    code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  });
  it.each([
    ['the person cancelled at the provider', refused, { kind: 'refused', code: 'access_denied' }],
    ['the token endpoint refused the code', tokenRefused, { kind: 'refused', code: 'invalid_grant' }],
    ['the provider could not be reached', network, { kind: 'unreachable' }],
    ['a network failure wrapped by the client', wrapped, { kind: 'unreachable' }],
    [
      'an ID token that failed a check',
      nonce,
      { kind: 'invalid', code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' },
    ],
    ['something not an error', 'boom', { kind: 'invalid', code: 'unknown' }],
  ])('%s', (_why, err, expected) => {
    expect(classifyOidcError(err)).toEqual(expected);
  });
});
