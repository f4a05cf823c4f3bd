import { createHash, createPublicKey, type JsonWebKey, randomBytes, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginOverHttp, type OidcProviderHandle, startOidcProvider } from '../helpers/oidc-provider.ts';

/** The test identity provider itself: discovery, its login form, and a code flow done by hand with fetch. */

const client = {
  clientId: 'console-test',
  clientSecret: 'console-test-secret',
  redirectUri: 'http://127.0.0.1:9/console/sign-in/oidc/callback',
};
let provider: OidcProviderHandle;

beforeAll(async () => {
  provider = await startOidcProvider({
    accounts: [{ sub: 'u-ada', email: 'Ada@acme.io', groups: ['product'] }],
    client,
  });
});
afterAll(() => provider.close());

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

const discover = async () =>
  (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as Discovery;

function authorizationUrl(discovery: Discovery, verifier: string): URL {
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    response_type: 'code',
    scope: 'openid email groups',
    state: 'state-1',
    nonce: 'nonce-1',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return url;
}

describe('test OpenID provider', () => {
  it('answers discovery with its issuer', async () => {
    const discovery = await discover();
    expect(discovery.issuer).toBe(provider.issuer);
    expect(new URL(discovery.token_endpoint).origin).toBe(provider.issuer);
  });

  it('gives a signed ID token with the email and groups after a code flow', async () => {
    const discovery = await discover();
    const verifier = randomBytes(32).toString('base64url');
    const back = await loginOverHttp(authorizationUrl(discovery, verifier), 'ada@acme.io');
    expect(`${back.origin}${back.pathname}`).toBe(client.redirectUri);
    expect(back.searchParams.get('state')).toBe('state-1');
    const code = back.searchParams.get('code');
    expect(code).toBeTruthy();

    const tokenRes = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code ?? '',
        redirect_uri: client.redirectUri,
        code_verifier: verifier,
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }),
    });
    expect(tokenRes.status).toBe(200);
    const { id_token: idToken } = (await tokenRes.json()) as { id_token: string };
    const [header = '', payload = '', signature = ''] = idToken.split('.');
    const { keys } = (await (await fetch(discovery.jwks_uri)).json()) as { keys: JsonWebKey[] };
    const [jwk] = keys;
    if (!jwk) throw new Error('the provider published no key');
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    expect(
      verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url')),
    ).toBe(true);
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({
      iss: provider.issuer,
      aud: client.clientId,
      sub: 'u-ada',
      nonce: 'nonce-1',
      email: 'Ada@acme.io',
      email_verified: true,
      groups: ['product'],
    });
  });

  it('refuses a login that names no account, with its form again', async () => {
    const discovery = await discover();
    await expect(loginOverHttp(authorizationUrl(discovery, 'v'.repeat(43)), 'eve@evil.test')).rejects.toThrow(
      /400 at \/interaction\/.*No account has that login/s,
    );
  });
});
