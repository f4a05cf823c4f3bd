import { randomBytes, randomUUID } from 'node:crypto';
import type { ConsoleConfig } from '../config/load.ts';
import type { Mailer } from '../connectors/mail/client.ts';
import { MailSendError } from '../connectors/mail/client.ts';
import { type OidcClient, OidcError } from '../connectors/oidc/client.ts';
import { errorForLog, type Logger } from '../log.ts';
import { consoleReturnPath } from '../rules/console-return-path.ts';
import { emailSignInPossible, roleFor } from '../rules/console-roles.ts';
import { createConsoleSession } from '../store/console-sessions.repo.ts';
import {
  deleteStaleSignIns,
  saveEmailSignIn,
  saveOidcSignIn,
  signInRefusal,
  takeSignIn,
} from '../store/console-sign-ins.repo.ts';
import type { Db } from '../store/db.ts';

/**
 * Signing in to the console: an OpenID Connect provider, an emailed one-time link, or (development, no provider)
 * the local developer. Each way ends in a session whose role the `console:` rules give; a person they do not name
 * gets none. Nothing here logs an address, a token or a secret.
 */

const OIDC_TTL_SECONDS = 10 * 60;
const EMAIL_LINK_TTL_SECONDS = 15 * 60;
export const LOCAL_DEVELOPER = 'developer@localhost';

/** Why a sign-in did not happen; the sign-in page says each in words. */
export type SignInProblem =
  | 'not-allowed'
  | 'link-unknown'
  | 'link-expired'
  | 'link-used'
  | 'attempt-unknown'
  | 'attempt-expired'
  | 'idp-unreachable'
  | 'idp-refused'
  | 'idp-invalid'
  | 'email-unverified'
  | 'no-email'
  | 'unavailable';

export type SignInResult =
  | { ok: true; cookieValue: string; ttlSeconds: number; returnTo: string }
  | { ok: false; problem: SignInProblem };

export interface ConsoleSignInDeps {
  db: Db;
  config: { publicUrl: string; isProduction: boolean; console: ConsoleConfig };
  /** Undefined where no mail can be sent: emailed links are then not offered. */
  mailer: Mailer | undefined;
  /** Undefined without OIDC_* settings. */
  oidc: OidcClient | undefined;
  /** The sign-in mail for a link (the edge renders it). */
  composeLinkMail: (link: string) => { subject: string; text: string; html: string };
  log: Logger;
}

export interface SignInWays {
  oidc: boolean;
  email: boolean;
  local: boolean;
}

/** The deps and the ways they allow: what each step below reads. */
interface SignInContext extends ConsoleSignInDeps {
  ways: SignInWays;
}

export type ConsoleSignIn = ReturnType<typeof createConsoleSignIn>;

/** The sign-in steps bound to their deps, for the pages. */
export function createConsoleSignIn(deps: ConsoleSignInDeps) {
  const ctx: SignInContext = { ...deps, ways: signInWays(deps) };
  return {
    ways: ctx.ways,
    signInLocally: (next: string | undefined) => signInLocally(ctx, next),
    requestEmailLink: (address: string, next: string | undefined) => requestEmailLink(ctx, address, next),
    emailLinkProblem: (token: string) => emailLinkProblem(ctx, token),
    redeemEmailLink: (token: string) => redeemEmailLink(ctx, token),
    startOidc: (redirectUri: string, next: string | undefined) => startOidc(ctx, redirectUri, next),
    finishOidc: (callbackUrl: URL, browserState: string | undefined) =>
      finishOidc(ctx, callbackUrl, browserState),
  };
}

/** Which ways of signing in this service offers. */
export function signInWays({ config, mailer, oidc }: ConsoleSignInDeps): SignInWays {
  return {
    oidc: oidc !== undefined,
    // The dev outbox stands in for SMTP outside production only; an emailed link needs someone to send it to.
    email:
      mailer !== undefined &&
      (mailer.kind === 'smtp' || !config.isProduction) &&
      emailSignInPossible(config.console),
    local: !config.isProduction && oidc === undefined,
  };
}

async function startSession(
  { db, config, log }: SignInContext,
  person: { email: string; name?: string | null; role: 'member' | 'viewer' },
  via: 'oidc' | 'email' | 'local',
  returnTo: string,
): Promise<SignInResult> {
  const ttlSeconds = config.console.sessionTtlSeconds;
  const { cookieValue } = await createConsoleSession(db, { ...person, via, ttlSeconds });
  log.info({ via, role: person.role }, 'console sign-in');
  return { ok: true, cookieValue, ttlSeconds, returnTo: consoleReturnPath(returnTo) };
}

async function mailLink(ctx: SignInContext, email: string, returnTo: string): Promise<void> {
  const { db, config } = ctx;
  const token = randomBytes(32).toString('base64url');
  await deleteStaleSignIns(db);
  await saveEmailSignIn(db, { token, email, returnTo, ttlSeconds: EMAIL_LINK_TTL_SECONDS });
  const mail = ctx.composeLinkMail(`${config.publicUrl}/console/sign-in/email/${token}`);
  await ctx.mailer?.send({
    to: { name: null, address: email },
    ...mail,
    headers: {},
    messageId: `<${randomUUID()}@${new URL(config.publicUrl).hostname}>`,
  });
  ctx.log.info('console sign-in link sent');
}

/** The local developer, a member: development without a provider only. */
function signInLocally(ctx: SignInContext, next: string | undefined): Promise<SignInResult> {
  if (!ctx.ways.local) return Promise.resolve({ ok: false, problem: 'unavailable' });
  const developer = { email: LOCAL_DEVELOPER, name: 'Local developer', role: 'member' } as const;
  return startSession(ctx, developer, 'local', next ?? '');
}

/**
 * Mails a link when the address may sign in, and otherwise does nothing, answering the same either way and at
 * once (the mail goes out after): the answer must not tell who is on the team.
 */
function requestEmailLink(ctx: SignInContext, address: string, next: string | undefined): void {
  const email = address.trim().toLowerCase();
  if (!ctx.ways.email || !roleFor({ email, groups: [] }, ctx.config.console)) return;
  mailLink(ctx, email, consoleReturnPath(next)).catch((err: unknown) => {
    const failure = err instanceof MailSendError ? err.failure.kind : undefined;
    ctx.log.error(failure ? { failure } : { error: errorForLog(err) }, 'console sign-in link not sent');
  });
}

/** Why an emailed link cannot sign in (undefined: it can). Reads only: mail scanners open links. */
async function emailLinkProblem({ db }: SignInContext, token: string): Promise<SignInProblem | undefined> {
  const refusal = await signInRefusal(db, 'email', token);
  return refusal ? (`link-${refusal}` as const) : undefined;
}

/** Uses the emailed link once; the address must still be allowed. */
async function redeemEmailLink(ctx: SignInContext, token: string): Promise<SignInResult> {
  const taken = await takeSignIn(ctx.db, 'email', token);
  if (!taken.ok) return { ok: false, problem: `link-${taken.refusal}` };
  const email = taken.email ?? '';
  const role = roleFor({ email, groups: [] }, ctx.config.console);
  if (!role) return { ok: false, problem: 'not-allowed' };
  return startSession(ctx, { email, role }, 'email', taken.returnTo);
}

/** The provider's authorization URL, the attempt kept for 10 minutes; its state binds it to this browser. */
async function startOidc(
  { db, oidc, log }: SignInContext,
  redirectUri: string,
  next: string | undefined,
): Promise<{ ok: true; url: URL; state: string } | { ok: false; problem: SignInProblem }> {
  if (!oidc) return { ok: false, problem: 'unavailable' };
  try {
    const { url, state, nonce, codeVerifier } = await oidc.authorize(redirectUri);
    await deleteStaleSignIns(db);
    const returnTo = consoleReturnPath(next);
    await saveOidcSignIn(db, { state, nonce, codeVerifier, returnTo, ttlSeconds: OIDC_TTL_SECONDS });
    return { ok: true, url, state };
  } catch (err) {
    return { ok: false, problem: oidcProblem(err, log) };
  }
}

/** The provider's answer at `callbackUrl`, for the attempt whose state this browser kept. */
async function finishOidc(
  ctx: SignInContext,
  callbackUrl: URL,
  browserState: string | undefined,
): Promise<SignInResult> {
  const { oidc, db, log } = ctx;
  if (!oidc) return { ok: false, problem: 'unavailable' };
  const state = callbackUrl.searchParams.get('state');
  // Another browser's attempt (a link someone sent) must not sign this one in as them.
  if (!state || state !== browserState) return { ok: false, problem: 'attempt-unknown' };
  const taken = await takeSignIn(db, 'oidc', state);
  if (!taken.ok)
    return { ok: false, problem: taken.refusal === 'expired' ? 'attempt-expired' : 'attempt-unknown' };
  let claims: Record<string, unknown>;
  try {
    claims = await oidc.finish(callbackUrl, {
      state,
      nonce: taken.nonce ?? '',
      codeVerifier: taken.codeVerifier ?? '',
    });
  } catch (err) {
    return { ok: false, problem: oidcProblem(err, log) };
  }
  const person = personFromClaims(claims, ctx.config.console);
  if ('problem' in person) return { ok: false, problem: person.problem };
  return startSession(ctx, person, 'oidc', taken.returnTo);
}

/** Who the provider's claims name, with the role the rules give them, or why they may not sign in. */
function personFromClaims(
  claims: Record<string, unknown>,
  rules: ConsoleConfig,
): { email: string; name: string | null; role: 'member' | 'viewer' } | { problem: SignInProblem } {
  const email = typeof claims['email'] === 'string' ? claims['email'].trim().toLowerCase() : '';
  if (!email) return { problem: 'no-email' };
  if (claims['email_verified'] === false || claims['email_verified'] === 'false')
    return { problem: 'email-unverified' };
  const role = roleFor({ email, groups: groupsIn(claims[rules.groups.claim]) }, rules);
  if (!role) return { problem: 'not-allowed' };
  const name = typeof claims['name'] === 'string' ? claims['name'] : null;
  return { email, name, role };
}

/** A groups claim: a list of names, or one name. */
function groupsIn(claim: unknown): string[] {
  if (typeof claim === 'string') return [claim];
  return Array.isArray(claim) ? claim.filter((g): g is string => typeof g === 'string') : [];
}

function oidcProblem(err: unknown, log: Logger): SignInProblem {
  if (!(err instanceof OidcError)) throw err;
  const { failure, step } = err;
  log.warn({ step, failure, error: errorForLog(err.cause) }, 'console OpenID Connect sign-in failed');
  if (failure.kind === 'unreachable') return 'idp-unreachable';
  return failure.kind === 'refused' ? 'idp-refused' : 'idp-invalid';
}
