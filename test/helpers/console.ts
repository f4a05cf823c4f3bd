import { writeFileSync } from 'node:fs';
import path from 'node:path';
import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { type OidcAccount, type OidcProviderHandle, startOidcProvider } from './oidc-provider.ts';
import { type ServiceProcess, spawnCli, waitReady } from './process.ts';
import { freePort, freshPrefix, sharedRedisUrl } from './redis.ts';
import { waitFor } from './service.ts';
import { type SmtpTestServer, startSmtpServer } from './smtp.ts';

/**
 * The console as a browser meets it: `suggested-sync start` as its own process in sandbox mode (both emulators),
 * on a port chosen before it starts so PUBLIC_URL (the links in tracker issues and emails) is right, signing in
 * through a real OpenID provider and a real SMTP server for the emailed links.
 */

export interface ConsoleSandbox {
  url: string;
  jiraUrl: string;
  linearUrl: string;
  smtp: SmtpTestServer;
  oidc: OidcProviderHandle;
  /** The HTTP API with the sandbox's key. */
  api(p: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  /** Sends a request and waits until triage put it on a feature. */
  sendRequest(request: SampleRequest): Promise<SentRequest>;
  /** The process's output so far, for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

export interface SampleRequest {
  title: string;
  body: string;
  email: string;
  company?: { name: string; revenue?: number; tier?: string };
  tags?: string[];
}

export interface SentRequest {
  requestId: string;
  featureId: string;
  requesterId: string;
  companyId: string | undefined;
}

export const OIDC_CLIENT = { clientId: 'suggested-sync-console', clientSecret: 'console-client-secret-123' };

export async function startConsoleSandbox(options: {
  members: string[];
  viewers: string[];
  accounts: OidcAccount[];
}): Promise<ConsoleSandbox> {
  const database: TestDatabase = await createTestDatabase();
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [port, jiraPort, linearPort] = [...ports] as [number, number, number];
  const url = `http://127.0.0.1:${port}`;
  const smtp = await startSmtpServer();
  const oidc = await startOidcProvider({
    accounts: options.accounts,
    client: { ...OIDC_CLIENT, redirectUri: `${url}/console/sign-in/oidc/callback` },
  });
  const configFile = path.join(database.dataDir, 'console.yaml');
  writeFileSync(
    configFile,
    [
      'intake:',
      '  rateLimit: { requests: 100000 }',
      'push:',
      '  coalesceSeconds: 0.2',
      'console:',
      `  members: ${JSON.stringify(options.members)}`,
      `  viewers: ${JSON.stringify(options.viewers)}`,
      '',
    ].join('\n'),
  );
  const apiKey = `console-test-${Date.now()}-key`;
  const proc: ServiceProcess = spawnCli(['start'], {
    PORT: String(port),
    PUBLIC_URL: url,
    REDIS_URL: sharedRedisUrl,
    QUEUE_PREFIX: freshPrefix('console'),
    DATA_DIR: database.dataDir,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    CONFIG_FILE: configFile,
    API_KEYS: apiKey,
    JIRA_EMULATOR_PORT: String(jiraPort),
    LINEAR_EMULATOR_PORT: String(linearPort),
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Suggested Sync <console@sandbox.test>',
    NOTIFY_COALESCE_SECONDS: '0',
    OIDC_ISSUER: oidc.issuer,
    OIDC_CLIENT_ID: OIDC_CLIENT.clientId,
    OIDC_CLIENT_SECRET: OIDC_CLIENT.clientSecret,
    LOG_LEVEL: 'warn',
  });
  const stop = async () => {
    if (proc.child.exitCode === null) proc.child.kill('SIGTERM');
    await proc.exited;
    await Promise.allSettled([smtp.close(), oidc.close()]);
    await database.drop();
  };
  try {
    // A first start runs initdb for PGlite in WASM: slow on a busy machine.
    await waitReady(proc, port, 180_000);
  } catch (error) {
    await stop();
    throw error;
  }
  const api = (p: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${url}${p}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  return {
    url,
    jiraUrl: `http://127.0.0.1:${jiraPort}`,
    linearUrl: `http://127.0.0.1:${linearPort}`,
    smtp,
    oidc,
    api,
    output: () => `${proc.stderr()}\n${proc.stdout()}`,
    async sendRequest(request) {
      const res = await api('/v1/requests', {
        method: 'POST',
        body: {
          title: request.title,
          body: request.body,
          requester: { email: request.email, ...(request.company ? { company: request.company } : {}) },
          tags: request.tags ?? [],
        },
      });
      if (res.status !== 202 && res.status !== 201)
        throw new Error(`intake answered ${res.status}: ${await res.text()}`);
      const { id } = (await res.json()) as { id: string };
      const view = await waitFor(`request ${id} triaged`, async () => {
        const seen = (await (await api(`/v1/requests/${id}`)).json()) as {
          feature: { id: string } | null;
          requester: { id: string };
          company: { id: string } | null;
        };
        return seen.feature ? seen : undefined;
      });
      return {
        requestId: id,
        featureId: view.feature?.id ?? '',
        requesterId: view.requester.id,
        companyId: view.company?.id,
      };
    },
    stop,
  };
}

/** The first link in a message's text matching `pattern`. */
export function linkInMail(text: string, pattern: RegExp): string {
  const found = pattern.exec(text)?.[0];
  if (!found) throw new Error(`no link matching ${pattern} in:\n${text}`);
  return found;
}

/**
 * Signs in through the identity provider from wherever the browser stands on the sign-in page: the provider's
 * login form, then back to the console. Resolves once the browser is back on the service.
 */
export async function signInWithOidc(page: Page, sandbox: ConsoleSandbox, login: string): Promise<void> {
  // A link or a GET form, as the sign-in page chooses: the route is fixed by the route table.
  await page
    .locator('a[href^="/console/sign-in/oidc"], form[action^="/console/sign-in/oidc"] button')
    .first()
    .click();
  await page
    .waitForURL((u) => u.origin === sandbox.oidc.issuer)
    .catch(async (error: unknown) => {
      throw new Error(
        `not at the identity provider: ${page.url()} shows ${await page.locator('body').textContent()}\n${sandbox.output()}`,
        { cause: error },
      );
    });
  await page.getByLabel('Email').fill(login);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.origin === sandbox.url && !u.pathname.startsWith('/console/sign-in'));
}

/**
 * Signs in by an emailed link from the sign-in page: asks for the link, reads it from the mail the SMTP server
 * caught, opens it and presses its button. Resolves once the browser is past sign-in.
 */
export async function signInByEmail(
  page: Page,
  sandbox: ConsoleSandbox,
  email: string,
  /** Runs on the emailed link's page, before its button is pressed. */
  onLinkPage?: (page: Page) => Promise<void>,
): Promise<string> {
  const before = sandbox.smtp.to(email).length;
  const form = page.locator('form[action="/console/sign-in/email"]');
  await form.getByRole('textbox').fill(email);
  await form.getByRole('button').click();
  const mails = await waitFor(`the sign-in mail to ${email}`, async () =>
    sandbox.smtp.to(email).length > before ? sandbox.smtp.to(email) : undefined,
  );
  const mail = mails[mails.length - 1];
  const link = linkInMail(
    String(mail?.parsed.text ?? ''),
    new RegExp(`${sandbox.url.replaceAll('.', '\\.')}/console/sign-in/email/[A-Za-z0-9_-]+`),
  );
  await page.goto(link);
  await onLinkPage?.(page);
  await page.getByRole('button', { name: /sign in/i }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/console/sign-in'));
  return link;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/**
 * axe-core's serious and critical violations on the page as it stands. axe is evaluated through the debugging
 * protocol, which the console's CSP (same-origin scripts only) does not govern.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const { axe: injected } = globalThis as unknown as {
      axe: { run: (o: unknown) => Promise<{ violations: AxeViolation[] }> };
    };
    const result = await injected.run({ resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({
        target: n.target,
        ...(n.failureSummary ? { failureSummary: n.failureSummary } : {}),
      })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Violations as lines a failing test prints. */
export function describeViolations(where: string, violations: readonly AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `${where}: [${v.impact}] ${v.id}: ${v.help}\n${v.nodes
          .map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary?.replaceAll('\n', ' ') ?? ''}`)
          .join('\n')}`,
    )
    .join('\n');
}
