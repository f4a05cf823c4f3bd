import type { Configuration } from 'openid-client';
import { classifyOidcError, type OidcFailure } from './errors.ts';

/**
 * The console's OpenID Connect client: discovery from the issuer, then the authorization code flow with PKCE,
 * state and nonce. openid-client is loaded only when a provider is configured (a process without one does not
 * pay for it), and discovery is kept once it worked (retried on the next sign-in if it did not).
 */

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** A failed step, classified; the original error is the cause (log it with errorForLog, never the settings). */
export class OidcError extends Error {
  override readonly name = 'OidcError';
  readonly failure: OidcFailure;
  readonly step: 'discovery' | 'callback';
  constructor(step: 'discovery' | 'callback', failure: OidcFailure, cause: unknown) {
    super(`OpenID Connect ${step} failed: ${failure.kind}`, { cause });
    this.step = step;
    this.failure = failure;
  }
}

export interface OidcAuthorization {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OidcClient {
  /** Where to send the browser, with the values the callback must be checked against. */
  authorize(redirectUri: string): Promise<OidcAuthorization>;
  /** The ID token's claims (completed from userinfo when it has no email) for a callback URL. */
  finish(
    callbackUrl: URL,
    checks: { state: string; nonce: string; codeVerifier: string },
  ): Promise<Record<string, unknown>>;
}

type OpenIdClient = typeof import('openid-client');

export function createOidcClient(settings: OidcSettings): OidcClient {
  let discovered: Promise<{ lib: OpenIdClient; config: Configuration }> | undefined;
  const discover = () => {
    discovered ??= (async () => {
      const lib = await import('openid-client');
      const issuer = new URL(settings.issuer);
      // An http issuer is refused in production by the configuration; elsewhere it is a local provider.
      const execute = issuer.protocol === 'http:' ? [lib.allowInsecureRequests] : [];
      const config = await lib.discovery(issuer, settings.clientId, settings.clientSecret, undefined, {
        execute,
        timeout: 10,
      });
      return { lib, config };
    })().catch((err: unknown) => {
      discovered = undefined;
      throw new OidcError('discovery', { kind: 'unreachable' }, err);
    });
    return discovered;
  };

  return {
    async authorize(redirectUri) {
      const { lib, config } = await discover();
      const state = lib.randomState();
      const nonce = lib.randomNonce();
      const codeVerifier = lib.randomPKCECodeVerifier();
      // `groups` only where the provider lists it: others (Google, Entra ID) refuse a scope they do not know.
      const groups = config.serverMetadata().scopes_supported?.includes('groups') ? ' groups' : '';
      const url = lib.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: `openid email profile${groups}`,
        response_type: 'code',
        state,
        nonce,
        code_challenge: await lib.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
      return { url, state, nonce, codeVerifier };
    },
    async finish(callbackUrl, checks) {
      const { lib, config } = await discover();
      try {
        const tokens = await lib.authorizationCodeGrant(config, callbackUrl, {
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          pkceCodeVerifier: checks.codeVerifier,
        });
        const claims: Record<string, unknown> = { ...tokens.claims() };
        const sub = claims['sub'];
        // Some providers put the scope's claims in userinfo only (OpenID Connect Core 5.4).
        if (
          claims['email'] === undefined &&
          typeof sub === 'string' &&
          config.serverMetadata().userinfo_endpoint
        ) {
          const info = await lib.fetchUserInfo(config, tokens.access_token, sub);
          return { ...info, ...claims, email: info.email, email_verified: info.email_verified };
        }
        return claims;
      } catch (err) {
        throw new OidcError('callback', classifyOidcError(err), err);
      }
    },
  };
}
