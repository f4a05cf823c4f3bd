import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// Typed by oidc-provider-module.d.ts: only what this helper uses.
import OidcProvider, { type ProviderInstance } from 'oidc-provider';

/**
 * A real OpenID provider on loopback (the `oidc-provider` package), for the console's sign-in tests. Its login
 * page is a plain form of its own (the package's development pages load fonts from another origin): a browser
 * fills it, and `loginOverHttp` drives it with fetch. The login typed in is an account's email or `sub`.
 */

export interface OidcAccount {
  sub: string;
  email: string;
  groups?: string[];
  name?: string;
}

export interface OidcClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** openid-client sends the secret in the form body unless told otherwise, hence that default. */
  tokenEndpointAuthMethod?: 'client_secret_post' | 'client_secret_basic';
}

export interface OidcProviderHandle {
  issuer: string;
  close(): Promise<void>;
}

const INTERACTION_PATH = /^\/interaction\/([\w-]+)$/;

export async function startOidcProvider(options: {
  accounts: OidcAccount[];
  client: OidcClient;
}): Promise<OidcProviderHandle> {
  const { accounts, client } = options;
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new OidcProvider(issuer, {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [client.redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: client.tokenEndpointAuthMethod ?? 'client_secret_post',
      },
    ],
    adapter: MemoryStore,
    ttl: {
      Interaction: 600,
      Grant: 600,
      Session: 600,
      AccessToken: 600,
      IdToken: 600,
      AuthorizationCode: 60,
    },
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    // Email and groups in the ID token itself, whatever the flow: the console reads them from there.
    features: { devInteractions: { enabled: false } },
    conformIdTokenClaims: false,
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx: unknown, id: string) => {
      const account = accounts.find((a) => a.sub === id);
      if (!account) return undefined;
      return {
        accountId: account.sub,
        claims: () => ({
          sub: account.sub,
          email: account.email,
          email_verified: true,
          groups: account.groups ?? [],
          ...(account.name ? { name: account.name } : {}),
        }),
      };
    },
  });
  const handleProvider = provider.callback();
  server.on('request', (req, res) => {
    const uid = INTERACTION_PATH.exec(new URL(req.url ?? '/', issuer).pathname)?.[1];
    if (!uid) return handleProvider(req, res);
    handleInteraction(provider, accounts, req, res).catch((error: unknown) => {
      res.statusCode = 400;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(`Sign-in failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** GET shows the login form; POST signs the named account in and grants what the client asked for. */
async function handleInteraction(
  provider: ProviderInstance,
  accounts: OidcAccount[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (req.method !== 'POST') return sendLoginForm(res, details.uid, 200);
  const login = new URLSearchParams(await readBody(req)).get('login')?.trim().toLowerCase() ?? '';
  const account = accounts.find((a) => a.email.toLowerCase() === login || a.sub.toLowerCase() === login);
  if (!account) return sendLoginForm(res, details.uid, 400, 'No account has that login.');
  // One step for login and consent: a test provider has nothing to ask the user about.
  const grant = new provider.Grant({ accountId: account.sub, clientId: String(details.params['client_id']) });
  grant.addOIDCScope(String(details.params['scope'] ?? 'openid'));
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: account.sub }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

function sendLoginForm(res: ServerResponse, uid: string, status: number, problem?: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><main><h1>Test identity provider</h1>
${problem ? `<p role="alert">${problem}</p>` : ''}
<form method="post" action="/interaction/${encodeURIComponent(uid)}">
<label for="login">Email</label> <input id="login" name="login" type="text" autocomplete="username" required>
<button type="submit">Sign in</button>
</form></main></body></html>`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The package's own in-memory store warns on every start; this one is as small and stays quiet. */
class MemoryStore {
  private static readonly rows = new Map<string, { payload: Record<string, unknown>; expiresAt: number }>();
  private readonly model: string;
  constructor(model: string) {
    this.model = model;
  }
  private key = (id: string) => `${this.model}:${id}`;
  async upsert(id: string, payload: Record<string, unknown>, expiresIn: number): Promise<void> {
    MemoryStore.rows.set(this.key(id), { payload, expiresAt: Date.now() + expiresIn * 1000 });
  }
  async find(id: string): Promise<Record<string, unknown> | undefined> {
    const row = MemoryStore.rows.get(this.key(id));
    return row && row.expiresAt > Date.now() ? row.payload : undefined;
  }
  async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
    for (const [key, row] of MemoryStore.rows)
      if (key.startsWith(`${this.model}:`) && row.payload['uid'] === uid)
        return this.find(key.slice(this.model.length + 1));
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async consume(id: string): Promise<void> {
    const row = MemoryStore.rows.get(this.key(id));
    if (row) row.payload['consumed'] = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string): Promise<void> {
    MemoryStore.rows.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, row] of MemoryStore.rows)
      if (row.payload['grantId'] === grantId) MemoryStore.rows.delete(key);
  }
}

function signingKey(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'test' };
}

/**
 * Goes through the provider's login with fetch, carrying its cookies, as a browser would: from the client's
 * authorization URL to the redirect back to the client, which is returned (not followed).
 */
export async function loginOverHttp(authorizationUrl: string | URL, login: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = new URL(authorizationUrl);
  const issuerOrigin = url.origin;
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    body = undefined;
    const location = res.headers.get('location');
    if (res.status === 200 && INTERACTION_PATH.test(url.pathname)) {
      body = new URLSearchParams({ login });
      continue;
    }
    if (res.status < 300 || res.status >= 400 || !location) {
      throw new Error(`the provider answered ${res.status} at ${url.pathname}: ${await res.text()}`);
    }
    url = new URL(location, url);
    if (url.origin !== issuerOrigin) return url;
  }
  throw new Error('the provider kept redirecting');
}
