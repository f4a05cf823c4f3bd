import type { AddressInfo } from 'node:net';
import express from 'express';
import { CallLog } from '../shared/call-log.ts';
import { controlRouter, latency } from '../shared/control.ts';
import { Faults } from '../shared/faults.ts';
import { localUrl } from '../shared/local-url.ts';
import { StateFile } from '../shared/state-file.ts';
import { WebhookDeliverer } from '../shared/webhook-deliverer.ts';
import { jiraErrorHandler, restNotFound } from './errors.ts';
import { parseFieldSelection } from './field-selection.ts';
import { pageRouter } from './page.ts';
import { restoreJira, saveJira } from './persistence.ts';
import { injectFaults, recordCalls, requireAuth } from './rest-edge.ts';
import { commentsRouter } from './routes/comments.routes.ts';
import type { RouteDeps } from './routes/common.ts';
import { issuesRouter } from './routes/issues.routes.ts';
import { linksRouter } from './routes/links.routes.ts';
import { propertiesRouter } from './routes/properties.routes.ts';
import { remoteLinksRouter } from './routes/remote-links.routes.ts';
import { searchRouter } from './routes/search.routes.ts';
import { siteRouter } from './routes/site.routes.ts';
import { transitionsRouter } from './routes/transitions.routes.ts';
import { webhooksRouter } from './routes/webhooks.routes.ts';
import { JiraState } from './state.ts';
import { issueJson, issueLinkJson, remoteLinkJson } from './views.ts';
import { deliverJiraWebhooks, jiraShouldRetry, webhookJson } from './webhooks.ts';

export interface JiraEmulatorOptions {
  /** 0 picks a free port; default 4010. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Basic auth email; default sandbox@example.com. */
  email?: string;
  /** Basic auth API token; default `sandbox`. */
  apiToken?: string;
  /** Tokens accepted as `Authorization: Bearer <token>`. */
  bearerTokens?: string[];
  /** Delay before each webhook retry; its length is the number of retries. */
  webhookRetryDelaysMs?: number[];
  webhookTimeoutMs?: number;
  /** Where the site's data is kept across restarts (a JSON file); absent: in memory only, gone at close. */
  stateFile?: string | undefined;
}

export interface JiraEmulator {
  url: string;
  port: number;
  /** The site's data, in memory (for tests). */
  state: JiraState;
  deliverer: WebhookDeliverer;
  faults: Faults;
  calls: CallLog;
  close(): Promise<void>;
}

/** The state as `/_emulator/state` shows it: issues in their full v3 form, links, webhooks (secrets left out). */
function snapshot(state: JiraState, email: string) {
  const all = parseFieldSelection(undefined, 'all');
  return {
    baseUrl: state.baseUrl,
    issues: [...state.issues.values()].map((issue) => ({
      ...issueJson(state, issue, { fields: all, properties: [...issue.properties.keys()], email }),
      remoteLinks: issue.remoteLinks.map((l) => remoteLinkJson(state, issue, l)),
    })),
    issueLinks: [...state.links.values()].map((l) => issueLinkJson(state, l)),
    webhooks: [...state.webhooks.values()].map((w) => ({
      id: w.id,
      ...webhookJson(state, w),
      signed: Boolean(w.secret),
    })),
  };
}

/**
 * A Jira Cloud site faithful enough for jira.js 6 (REST v3, with the v2 routes it uses for string bodies), admin
 * webhooks, the control endpoints under `/_emulator/` and a page at `/` to play product owner.
 */
export async function startJiraEmulator(options: JiraEmulatorOptions = {}): Promise<JiraEmulator> {
  const email = options.email ?? 'sandbox@example.com';
  const state = new JiraState();
  const file = options.stateFile ? new StateFile(options.stateFile, () => saveJira(state)) : undefined;
  const saved = file?.load();
  if (file && saved !== undefined) restoreJira(state, saved, file.file);
  const faults = new Faults();
  const calls = new CallLog();
  const deliverer = new WebhookDeliverer({
    faults,
    shouldRetry: jiraShouldRetry,
    ...(options.webhookRetryDelaysMs ? { retryDelaysMs: options.webhookRetryDelaysMs } : {}),
    ...(options.webhookTimeoutMs !== undefined ? { timeoutMs: options.webhookTimeoutMs } : {}),
  });
  deliverJiraWebhooks(state, deliverer, email);

  const deps: RouteDeps = { state, email };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (file) app.use(file.watch());
  app.use(
    controlRouter({
      calls,
      faults,
      deliverer,
      state: () => snapshot(state, email),
      reset: () => state.reset(),
    }),
  );
  app.use(pageRouter(state));
  app.use(
    '/rest',
    recordCalls(calls),
    latency(faults),
    injectFaults(faults),
    requireAuth({ email, apiToken: options.apiToken ?? 'sandbox', bearerTokens: options.bearerTokens ?? [] }),
    // Any content type, any JSON value: an entity property's body is the raw value (a string or number included).
    express.json({ strict: false, limit: '10mb', type: () => true }),
  );
  for (const router of [
    issuesRouter,
    commentsRouter,
    transitionsRouter,
    searchRouter,
    propertiesRouter,
    remoteLinksRouter,
    linksRouter,
    siteRouter,
    webhooksRouter,
  ]) {
    app.use(router(deps));
  }
  app.use('/rest', restNotFound);
  app.use(jiraErrorHandler);

  const host = options.host ?? '127.0.0.1';
  const server = app.listen(options.port ?? 4010, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = localUrl(host, port);
  state.baseUrl = url;

  return {
    url,
    port,
    state,
    deliverer,
    faults,
    calls,
    async close() {
      await deliverer.close();
      const closed = new Promise<void>((resolve, reject) =>
        server.close((err) => (err ? reject(err) : resolve())),
      );
      server.closeAllConnections();
      await closed;
      await file?.flush();
    },
  };
}
